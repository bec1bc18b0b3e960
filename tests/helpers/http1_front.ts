/**
 * A TLS front that speaks only HTTP/1.1, before the real API server: what
 * an older proxy or load balancer in front of a company's cluster does. It
 * terminates TLS with the API server's own certificate (valid for
 * 127.0.0.1), then relays the bytes over a TLS connection of its own to the
 * API server, as the kubeconfig's user, offering HTTP/1.1 only.
 *
 * `refuseAlpn`: answer a client that offers only h2 with TLS's
 * no_application_protocol alert (Go's and rustls' servers do); otherwise
 * ignore the offer (OpenSSL-based proxies do) and let the client find out
 * from the HTTP/1.1 answer to its HTTP/2 preface.
 */
export interface Http1Front {
  server: string;
  /** ALPN protocols the front agreed on, one per accepted connection. */
  negotiated: (string | null)[];
  close(): void;
}

export function startHttp1Front(options: {
  target: { hostname: string; port: number };
  caFile: string;
  certFile: string;
  keyFile: string;
  refuseAlpn: boolean;
}): Http1Front {
  const cert = Deno.readTextFileSync(options.certFile);
  const key = Deno.readTextFileSync(options.keyFile);
  const ca = Deno.readTextFileSync(options.caFile);
  const listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert,
    key,
    ...(options.refuseAlpn ? { alpnProtocols: ["http/1.1"] } : {}),
  });
  const negotiated: (string | null)[] = [];
  const open = new Set<Deno.Conn>();
  (async () => {
    for await (const client of listener) {
      open.add(client);
      (async () => {
        try {
          const { alpnProtocol } = await client.handshake();
          negotiated.push(alpnProtocol);
          const upstream = await Deno.connectTls({
            ...options.target,
            caCerts: [ca],
            cert,
            key,
            alpnProtocols: ["http/1.1"],
          });
          open.add(upstream);
          await Promise.all([
            client.readable.pipeTo(upstream.writable),
            upstream.readable.pipeTo(client.writable),
          ]).catch(() => {});
        } catch {
          // a refused handshake ends here: that is the point of refuseAlpn
        } finally {
          for (const conn of open) if (conn === client) open.delete(conn);
          try {
            client.close();
          } catch { /* closed by a pipe */ }
        }
      })();
    }
  })().catch(() => {/* closed */});
  return {
    server: `https://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    negotiated,
    close() {
      listener.close();
      for (const conn of open) {
        try {
          conn.close();
        } catch { /* already closed */ }
      }
    },
  };
}
