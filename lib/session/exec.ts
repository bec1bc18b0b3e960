/**
 * Running commands in the dev container through the API server's exec
 * (websockets, through client-node). The exec protocol does not carry the
 * end of stdin to every runtime, so input is length-prefixed: the remote
 * side reads exactly as many bytes as were sent (`head -c N`).
 */
import { PassThrough, Writable } from "node:stream";
import type { Kube } from "../kube/client.ts";
import { PlatformError } from "../errors.ts";

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

/**
 * Runs `argv` in the container, sending `stdin` (if any), and collects its
 * output. With `timeoutMs`, an exec that has not finished by then is closed
 * and fails.
 */
export async function execCollect(
  target: ExecTarget,
  argv: string[],
  stdin?: Uint8Array,
  options: { timeoutMs?: number } = {},
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
    timeoutMs: options.timeoutMs,
  });
  return { stdout, stderr, status };
}

/**
 * Runs `argv` with the given streams; resolves with the status when the
 * command ends. With `timeoutMs` it rejects once that has passed (the
 * stream is closed): neither a silent API server nor a command that waits
 * forever for input may hold the caller.
 */
export async function execStream(
  target: ExecTarget,
  argv: string[],
  io: {
    stdout: Writable;
    stderr: Writable;
    stdin?: Uint8Array;
    signal?: AbortSignal;
    timeoutMs?: number;
  },
): Promise<string> {
  const exec = new target.kube.k8s.Exec(target.kube.config);
  const input = io.stdin ? new PassThrough() : null;
  target.kube.requestCount++;
  let socket: { close(): void } | undefined;
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return await new Promise<string>((resolve, reject) => {
    if (io.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        socket?.close();
        reject(
          new PlatformError(
            `${argv[0]} in pod ${target.namespace}/${target.pod} did not finish within ${
              Math.round(io.timeoutMs! / 1000)
            } s`,
            { hint: "check the connection to the cluster and that the pod is running" },
          ),
        );
      }, io.timeoutMs);
    }
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
    ).then((opened) => {
      socket = opened;
      // Opened after the deadline: nobody waits for it any more.
      if (timedOut) return opened.close();
      io.signal?.addEventListener("abort", () => opened.close(), { once: true });
      opened.on("close", () => resolve("Closed"));
      if (input && io.stdin) input.end(Buffer.from(io.stdin));
    }, reject);
  }).finally(() => clearTimeout(timer));
}
