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
/** How long after a sync a dev server may still be restarting (node --watch: some 300 ms). */
const RESTART_WINDOW_MS = 3000;
/** The part of that window in which most servers come back, when refused dials retry fastest. */
const QUICK_RESTART_MS = 1000;
/** How long an unanswered request waits, in that window, before it is also sent again. */
const HEDGE_AFTER_MS = 150;
/** Requests that may be sent twice: HTTP's safe methods, whose answers are all a client sees. */
const SAFE_REQUEST = /^(GET|HEAD|OPTIONS) \S+ HTTP\/1\.[01]\r?\n/;

/** When synced files last landed, for the bridges deciding whether to send a request again. */
class Restarts extends EventTarget {
  last = -Infinity;
  synced(): void {
    this.last = Date.now();
    this.dispatchEvent(new Event("synced"));
  }
  recent(): boolean {
    return this.since() < RESTART_WINDOW_MS;
  }
  since(): number {
    return Date.now() - this.last;
  }
}

/** One port-forward stream of a connection: what it is sent, and its socket once open. */
interface Attempt {
  input: PassThrough;
  ws?: ForwardSocket;
  failed: boolean;
}

/**
 * Joins one local connection to the pod's port. While the pod refuses the
 * dial (the dev server is restarting after a save: node --watch, air,
 * nodemon), the connection is held and the dial retried for
 * {@link DIAL_RETRY_MS}, replaying what the client sent, so the request is
 * answered as soon as the server is back; kubectl port-forward would exit,
 * and a bare bridge would leave the client hanging. After that, or once the
 * server has answered, a failure closes the connection at once.
 *
 * A request that reached the old server as it exited is never answered, and
 * the node closes its stream only a second later (containerd's grace, and
 * the local cluster's). So a safe request (GET, HEAD, OPTIONS) still
 * unanswered {@link HEDGE_AFTER_MS} after a sync is also sent on a second
 * stream; the first to answer is the one the client reads, the other is
 * closed. Other requests and other protocols are never sent twice.
 */
function bridge(
  target: ExecTarget,
  remote: number,
  socket: Socket,
  restarts: Restarts,
  onError: (message: string) => void,
): void {
  const deadline = Date.now() + DIAL_RETRY_MS;
  const sent: Uint8Array[] = [];
  let sentBytes = 0;
  /** The stream whose answer the client reads, once one has answered. */
  let winner: Attempt | undefined;
  let localEnded = false;
  let closed = false;
  let tries = 0;
  let hedged = false;
  let retrying: ReturnType<typeof setTimeout> | undefined;
  let hedging: ReturnType<typeof setTimeout> | undefined;
  const live = new Set<Attempt>();
  const readers = () => winner ? [winner] : [...live];

  // A reset or a write after close must not become an uncaught 'error' that ends the session.
  socket.on("error", () => finish());
  socket.on("close", () => finish());
  socket.on("data", (chunk: Uint8Array) => {
    const first = sentBytes === 0;
    if (!winner && sentBytes <= REPLAY_LIMIT) {
      sent.push(chunk);
      sentBytes += chunk.length;
    }
    for (const attempt of readers()) attempt.input.write(chunk);
    if (first) considerHedge();
  });
  socket.on("end", () => {
    localEnded = true;
    for (const attempt of readers()) attempt.input.end();
  });
  const onSynced = () => considerHedge();
  restarts.addEventListener("synced", onSynced);

  function finish() {
    if (closed) return;
    closed = true;
    restarts.removeEventListener("synced", onSynced);
    clearTimeout(retrying);
    clearTimeout(hedging);
    for (const attempt of live) attempt.ws?.close();
    socket.destroy();
  }

  /** Checks back in a moment whether this request should also go on a second stream. */
  function considerHedge() {
    if (closed || winner || hedged || hedging !== undefined || !sentBytes) return;
    hedging = setTimeout(() => {
      hedging = undefined;
      if (closed || winner || hedged || !restarts.recent()) return;
      if (sentBytes > REPLAY_LIMIT || !SAFE_REQUEST.test(firstLine())) return;
      hedged = true;
      // A retry already on its way is the second stream.
      if (retrying === undefined && live.size < 2) connect();
    }, HEDGE_AFTER_MS);
  }

  function firstLine(): string {
    const head = sent[0] ?? new Uint8Array();
    return new TextDecoder().decode(head.subarray(0, 2048));
  }

  /** Closes a stream that lost: another answered first, or it is given up. */
  function retire(attempt: Attempt) {
    attempt.failed = true;
    live.delete(attempt);
    attempt.ws?.close();
  }

  function failed(attempt: Attempt, why: string) {
    if (attempt.failed || closed) return;
    retire(attempt);
    if (winner) {
      if (attempt === winner) finish();
      return;
    }
    // Another stream still waits for its answer; a hedged request keeps one more trying beside it.
    if (live.size && !hedged) return;
    if (sentBytes <= REPLAY_LIMIT && Date.now() < deadline) {
      if (retrying === undefined) {
        // Right after a save the dev server is back in some 300 ms (node --watch): in the first
        // second, retries 25 then 50 ms apart answer soon after it is (200 ms apart, the answer
        // came up to 200 ms after the server was back); to the window's end, 200 ms. Otherwise it
        // may be down for good, and each dial is a request to a shared API server: 200 ms up to
        // 1 s. Every held connection dials on its own, so the fast part is kept short.
        const delay = restarts.since() < QUICK_RESTART_MS
          ? Math.min(25 * 2 ** (tries - 1), 50)
          : restarts.recent()
          ? 200
          : Math.min(200 * 2 ** (tries - 1), 1000);
        retrying = setTimeout(() => {
          retrying = undefined;
          if (live.size < 2) connect();
        }, delay);
      }
      return;
    }
    if (live.size) return;
    onError(`127.0.0.1 -> ${target.pod}:${remote}: ${why}; the connection was closed`);
    finish();
  }

  function connect() {
    if (closed || winner) return;
    tries++;
    const input = new PassThrough();
    const attempt: Attempt = { input, failed: false };
    live.add(attempt);
    for (const chunk of sent) input.write(chunk);
    if (localEnded) input.end();
    const output = new Writable({
      write(chunk, _encoding, done) {
        // client-node writes an empty chunk when it strips the port prefix: not an answer yet.
        if (!chunk.length || attempt.failed) return done();
        if (!winner) {
          winner = attempt;
          for (const other of live) if (other !== attempt) retire(other);
        }
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
          if (attempt.failed) return;
          // The server closed its side: so does the client's connection.
          if (winner === attempt) return finish();
          failed(attempt, "the port-forward stream closed before any answer");
        });
        ws.on("error", () => failed(attempt, "the port-forward stream failed"));
      }, (error) => failed(attempt, (error as Error).message));
  }

  connect();
}

/** The listening forwards of a session. */
export interface Forwards {
  close(): void;
  /** Synced files just landed: the dev server may be restarting (see bridge's hedged requests). */
  synced(): void;
}

/** Starts listening on 127.0.0.1 for each forward; resolves when all listen. */
export async function startForwards(
  target: ExecTarget,
  forwards: Forward[],
  options: { onError?: (message: string) => void } = {},
): Promise<Forwards> {
  const restarts = new Restarts();
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
        bridge(target, forward.remote, socket, restarts, options.onError ?? (() => {}));
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
  return { close, synced: () => restarts.synced() };
}
