/** Port forwarding: a local listener per `local:remote` pair, one API port-forward per connection. */
import { createServer, type Server, type Socket } from "node:net";
import { PassThrough, Writable } from "node:stream";
import { usageError } from "../errors.ts";
import type { ExecTarget } from "./exec.ts";

export { type Forward, parseForward } from "./forward_spec.ts";
import type { Forward } from "./forward_spec.ts";

/** The websocket client-node hands back (a function of it when it retries). */
type ForwardSocket = { close(): void; on(event: string, listener: () => void): void };

/** How long a connection waits for a restarting dev server before it is refused. */
export const DIAL_RETRY_MS = Number(Deno.env.get("PLATFORM_FORWARD_RETRY_MS") ?? 10_000);
/** What a connection may send before its first answer and still be replayed on a retry. */
const REPLAY_LIMIT = 1 << 20;

/**
 * Joins one local connection to the pod's port. While the pod refuses the
 * dial (the dev server is restarting after a save: node --watch, air,
 * nodemon), the connection is held and the dial retried for
 * {@link DIAL_RETRY_MS}, replaying what the client sent, so the request is
 * answered as soon as the server is back; kubectl port-forward would exit,
 * and a bare bridge would leave the client hanging. After that, or once the
 * server has answered, a failure closes the connection at once.
 */
function bridge(
  target: ExecTarget,
  remote: number,
  socket: Socket,
  onError: (message: string) => void,
): void {
  const deadline = Date.now() + DIAL_RETRY_MS;
  const sent: Uint8Array[] = [];
  let sentBytes = 0;
  let answered = false;
  let localEnded = false;
  let closed = false;
  let attempts = 0;
  let current: { input: PassThrough; ws?: ForwardSocket; failed: boolean } | undefined;

  // A reset or a write after close must not become an uncaught 'error' that ends the session.
  socket.on("error", () => finish());
  socket.on("close", () => finish());
  socket.on("data", (chunk: Uint8Array) => {
    if (!answered && sentBytes <= REPLAY_LIMIT) {
      sent.push(chunk);
      sentBytes += chunk.length;
    }
    current?.input.write(chunk);
  });
  socket.on("end", () => {
    localEnded = true;
    current?.input.end();
  });

  function finish() {
    if (closed) return;
    closed = true;
    current?.ws?.close();
    socket.destroy();
  }

  function failed(attempt: NonNullable<typeof current>, why: string) {
    if (attempt.failed || closed) return;
    attempt.failed = true;
    attempt.ws?.close();
    if (!answered && sentBytes <= REPLAY_LIMIT && Date.now() < deadline) {
      // A dev server is back some 300 ms after a save (node --watch); retries close together
      // answer soon after it is (25, 50, 100, then every 200 ms: about 50 dials in 10 s).
      setTimeout(connect, Math.min(25 * 2 ** (attempts - 1), 200));
      return;
    }
    onError(`127.0.0.1 -> ${target.pod}:${remote}: ${why}; the connection was closed`);
    finish();
  }

  function connect() {
    if (closed) return;
    attempts++;
    const input = new PassThrough();
    const attempt: NonNullable<typeof current> = { input, failed: false };
    current = attempt;
    for (const chunk of sent) input.write(chunk);
    if (localEnded) input.end();
    const output = new Writable({
      write(chunk, _encoding, done) {
        // client-node writes an empty chunk when it strips the port prefix: not an answer yet.
        if (!chunk.length) return done();
        answered = true;
        if (!closed) socket.write(chunk);
        done();
      },
    });
    // The kubelet reports a failed dial on the error channel (after the port prefix client-node strips).
    const errors = new Writable({
      write(chunk, _encoding, done) {
        if (chunk.length) {
          failed(attempt, `the pod refused the connection (${String(chunk).trim()})`);
        }
        done();
      },
    });
    target.kube.requestCount++;
    new target.kube.k8s.PortForward(target.kube.config)
      .portForward(target.namespace, target.pod, [remote], output, errors, input)
      .then((handle) => {
        const ws = (typeof handle === "function" ? handle() : handle) as ForwardSocket | null;
        if (!ws) return failed(attempt, "no port-forward stream");
        attempt.ws = ws;
        if (attempt.failed || closed) return ws.close();
        ws.on("close", () => {
          if (current !== attempt || attempt.failed) return;
          // The server closed its side: so does the client's connection.
          if (answered) return finish();
          failed(attempt, "the port-forward stream closed before any answer");
        });
        ws.on("error", () => failed(attempt, "the port-forward stream failed"));
      }, (error) => failed(attempt, (error as Error).message));
  }

  connect();
}

/** Starts listening on 127.0.0.1 for each forward; resolves when all listen. */
export async function startForwards(
  target: ExecTarget,
  forwards: Forward[],
  options: { onError?: (message: string) => void } = {},
): Promise<{ close: () => void }> {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const close = () => {
    servers.forEach((server) => server.close());
    sockets.forEach((socket) => socket.destroy());
  };
  try {
    for (const forward of forwards) {
      const server = createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        bridge(target, forward.remote, socket, options.onError ?? (() => {}));
      });
      await new Promise<void>((resolve, reject) => {
        server.once("error", (error) =>
          reject(
            usageError(
              `cannot listen on 127.0.0.1:${forward.local}: ${error.message}`,
              "pick another local port in forward",
            ),
          ));
        server.listen(forward.local, "127.0.0.1", () => resolve());
      });
      servers.push(server);
    }
  } catch (error) {
    close();
    throw error;
  }
  return { close };
}
