/** Port forwarding: a local listener per `local:remote` pair, one API port-forward per connection. */
import { createServer, type Server } from "node:net";
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

/** Starts listening on 127.0.0.1 for each forward; resolves when all listen. */
export async function startForwards(
  target: ExecTarget,
  forwards: Forward[],
): Promise<{ close: () => void }> {
  const servers: Server[] = [];
  for (const forward of forwards) {
    const portForward = new target.kube.k8s.PortForward(target.kube.config);
    const server = createServer((socket) => {
      target.kube.requestCount++;
      portForward.portForward(target.namespace, target.pod, [forward.remote], socket, null, socket)
        .then((ws) => {
          socket.on("close", () => (typeof ws === "function" ? ws() : ws)?.close());
        })
        .catch(() => socket.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once(
        "error",
        (error) =>
          reject(
            usageError(
              `cannot listen on 127.0.0.1:${forward.local}: ${error.message}`,
              "pick another local port in forward",
            ),
          ),
      );
      server.listen(forward.local, "127.0.0.1", () => resolve());
    });
    servers.push(server);
  }
  return { close: () => servers.forEach((server) => server.close()) };
}
