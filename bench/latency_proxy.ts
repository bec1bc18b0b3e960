/**
 * A TCP relay that holds every chunk for a fixed time in each direction:
 * the local cluster as far away as a company's cluster is (a cloud region
 * away: 20 ms each way is a 40 ms round trip). TLS goes through untouched;
 * the API server's certificate names 127.0.0.1, which the relay also is.
 * Used by bench/run.ts --rtt, so both sides pay the same distance and the
 * figures count round trips as a user far from the cluster would.
 *
 * @module
 */

/** A running relay. */
export interface LatencyProxy {
  /** Port on 127.0.0.1 to connect to instead of the target. */
  port: number;
  close(): void;
}

/** Relays 127.0.0.1:<new port> to `target`, delaying each direction by `oneWayMs`. */
export function startLatencyProxy(
  target: { hostname: string; port: number },
  oneWayMs: number,
): LatencyProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  (async () => {
    for await (const client of listener) {
      open.add(client);
      // Without TCP_NODELAY a second small write waits for the first one's ACK, which the
      // far side may delay by 40 ms: a stall of the relay's, not of the distance it stands for.
      client.setNoDelay(true);
      Deno.connect(target).then((server) => {
        open.add(server);
        server.setNoDelay(true);
        const end = () => {
          for (const conn of [client, server]) {
            open.delete(conn);
            try {
              conn.close();
            } catch { /* closed by the other direction */ }
          }
        };
        Promise.all([relay(client, server, oneWayMs), relay(server, client, oneWayMs)])
          .finally(end);
      }, () => {
        open.delete(client);
        client.close();
      });
    }
  })().catch(() => {/* listener closed */});
  return {
    port: (listener.addr as Deno.NetAddr).port,
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

/** Copies `from` to `to`, each chunk `delayMs` after it arrived, in order. */
async function relay(from: Deno.Conn, to: Deno.Conn, delayMs: number): Promise<void> {
  let chain = Promise.resolve();
  const buffer = new Uint8Array(64 * 1024);
  try {
    while (true) {
      const read = await from.read(buffer);
      if (read === null) break;
      const chunk = buffer.slice(0, read);
      const due = performance.now() + delayMs;
      chain = chain.then(async () => {
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        await writeAll(to, chunk);
      });
    }
    await chain;
    await to.closeWrite().catch(() => {});
  } catch {
    // a reset on either side ends the relay
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}
