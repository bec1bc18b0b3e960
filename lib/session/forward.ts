/** Port forwarding: a local listener per `local:remote` pair, one API port-forward per connection. */
import { createServer, type Server, type Socket } from "node:net";
import { Writable } from "node:stream";
import { usageError } from "../errors.ts";
import type { ExecTarget } from "./exec.ts";

/** A parsed `local:remote` pair. */
export interface Forward {
  local: number;
  remote: number;
}

/** Parses `8080:8080` or `8080` (same on both ends). */
export function parseForward(text: string): Forward {
  const match = /^(\d{1,5})(?::(\d{1,5}))?$/.exec(text.trim());
  const local = Number(match?.[1]);
  const remote = Number(match?.[2] ?? match?.[1]);
  if (!match || !(local > 0 && local < 65536 && remote > 0 && remote < 65536)) {
    throw usageError(
      `invalid forward ${JSON.stringify(text)}`,
      "write local:remote ports, like 8080:8080",
    );
  }
  return { local, remote };
}

/** The websocket client-node hands back (a function of it when it retries). */
type ForwardSocket = { close(): void; on(event: string, listener: () => void): void };

/**
 * Joins one local connection to the pod's port. Both ends close together:
 * client-node does not end the local socket when the remote side goes away,
 * and a client left on a half-dead connection (keep-alive after the dev
 * server restarted) would wait for its own timeout instead of reconnecting.
 */
function bridge(target: ExecTarget, remote: number, socket: Socket): void {
  // A reset or a write after close must not become an uncaught 'error' that ends the session.
  socket.on("error", () => socket.destroy());
  // The kubelet reports a failed dial on the error channel (after the port prefix client-node strips).
  const remoteError = new Writable({
    write(chunk, _encoding, done) {
      if (chunk.length) socket.destroy();
      done();
    },
  });
  target.kube.requestCount++;
  new target.kube.k8s.PortForward(target.kube.config)
    .portForward(target.namespace, target.pod, [remote], socket, remoteError, socket)
    .then((handle) => {
      const ws = (typeof handle === "function" ? handle() : handle) as ForwardSocket | null;
      if (!ws) return socket.destroy();
      ws.on("close", () => socket.end());
      ws.on("error", () => socket.destroy());
      socket.on("close", () => ws.close());
    }, () => socket.destroy());
}

/** Starts listening on 127.0.0.1 for each forward; resolves when all listen. */
export async function startForwards(
  target: ExecTarget,
  forwards: Forward[],
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
        bridge(target, forward.remote, socket);
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
