/**
 * Running commands in the dev container through the API server's exec
 * (websockets, through client-node). The exec protocol does not carry the
 * end of stdin to every runtime, so input is length-prefixed: the remote
 * side reads exactly as many bytes as were sent (`head -c N`).
 */
import { PassThrough, Writable } from "node:stream";
import type { Kube } from "../kube/client.ts";

/** Where exec runs. */
export interface ExecTarget {
  kube: Kube;
  namespace: string;
  pod: string;
  container: string;
}

/** Output of a finished exec. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  status: string;
}

/** Runs `argv` in the container, sending `stdin` (if any), and collects its output. */
export async function execCollect(
  target: ExecTarget,
  argv: string[],
  stdin?: Uint8Array,
): Promise<ExecResult> {
  let stdout = "";
  let stderr = "";
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  const status = await execStream(target, argv, {
    stdout: sink((text) => stdout += text),
    stderr: sink((text) => stderr += text),
    stdin,
  });
  return { stdout, stderr, status };
}

/** Runs `argv` with the given streams; resolves with the status when the command ends. */
export async function execStream(
  target: ExecTarget,
  argv: string[],
  io: { stdout: Writable; stderr: Writable; stdin?: Uint8Array; signal?: AbortSignal },
): Promise<string> {
  const exec = new target.kube.k8s.Exec(target.kube.config);
  const input = io.stdin ? new PassThrough() : null;
  target.kube.requestCount++;
  return await new Promise<string>((resolve, reject) => {
    exec.exec(
      target.namespace,
      target.pod,
      target.container,
      argv,
      io.stdout,
      io.stderr,
      input,
      false,
      // A failure's message says why (kwok: "exit status N"); worth showing the developer.
      (status) =>
        resolve(
          status?.status === "Failure" && status.message
            ? `Failure: ${status.message}`
            : status?.status ?? "Success",
        ),
    ).then((socket) => {
      io.signal?.addEventListener("abort", () => socket.close(), { once: true });
      socket.on("close", () => resolve("Closed"));
      if (input && io.stdin) input.end(Buffer.from(io.stdin));
    }, reject);
  });
}
