/** Running the CLI in tests: in-process through main(), or as a real process. */
import { main } from "../../commands/main.ts";
import { LAUNCH_FLAGS } from "../../lib/launch_flags.ts";

/** What one CLI run produced. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs main() in-process with captured streams. */
export async function runCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; isTerminal?: boolean } = {},
): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: (text) => stdout += text,
    stderr: (text) => stderr += text,
    isTerminal: options.isTerminal ?? false,
    env: options.env ?? {},
    cwd: options.cwd ?? Deno.cwd(),
  });
  return { code, stdout, stderr };
}

const entry = new URL("../../platform.ts", import.meta.url).pathname;

/** Spawns `deno run -A platform.ts ...args` as a separate process. */
export async function spawnCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult & { ms: number }> {
  const started = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...LAUNCH_FLAGS, entry, ...args],
    env: { NO_COLOR: "1", ...options.env },
    cwd: options.cwd,
    stdin: "null",
    signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
    ms: performance.now() - started,
  };
}

/** A TCP listener on 127.0.0.1 that counts connections; `answer: false` holds them open silently. */
export function countingServer(): { port: number; connections: () => number; close: () => void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let count = 0;
  const held: Deno.Conn[] = [];
  (async () => {
    try {
      for await (const conn of listener) {
        count++;
        held.push(conn);
      }
    } catch { /* closed */ }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    connections: () => count,
    close: () => {
      listener.close();
      for (const conn of held) {
        try {
          conn.close();
        } catch { /* already closed */ }
      }
    },
  };
}

/**
 * Writes a token kubeconfig pointing at `server` into a temp dir; returns its
 * path. Without a CA the server's certificate is not verified.
 */
export async function writeKubeconfig(
  server: string,
  options: { contexts?: string[]; token?: string; caData?: string } = {},
): Promise<string> {
  const contexts = options.contexts ?? ["test"];
  const dir = await Deno.makeTempDir({ prefix: "platform-kubeconfig-" });
  const path = `${dir}/kubeconfig.yaml`;
  const trust = options.caData
    ? { "certificate-authority-data": options.caData }
    : { "insecure-skip-tls-verify": true };
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server, ...trust } }],
      users: [{ name: "u", user: { token: options.token ?? "not-a-secret" } }],
      contexts: contexts.map((name) => ({ name, context: { cluster: "c", user: "u" } })),
      "current-context": contexts[0],
    }),
  );
  return path;
}
