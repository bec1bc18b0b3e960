/**
 * What session tests share: a private copy of the example app on a free
 * port, the real CLI as a child process (signals reach it as they would
 * from a terminal), and a bounded wait for the forwarded port to answer.
 *
 * @module
 */
import assert from "node:assert/strict";
import { cp } from "node:fs/promises";
import { waitFor } from "./cluster.ts";
import { LAUNCH_FLAGS } from "../../lib/launch_flags.ts";

const entry = new URL("../../platform.ts", import.meta.url).pathname;
const example = new URL("../../examples/silly-demo", import.meta.url).pathname;

/** A TCP port nothing listens on right now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A private copy of the example app forwarding a free local port; the repo's copy is never touched. */
export async function appCopy(): Promise<{ dir: string; port: number }> {
  const dir = await Deno.makeTempDir({ prefix: "platform-session-" });
  await cp(example, dir, { recursive: true });
  const port = freePort();
  const yaml = await Deno.readTextFile(`${dir}/platform.yaml`);
  assert.match(yaml, /- 8080:8080/);
  await Deno.writeTextFile(`${dir}/platform.yaml`, yaml.replace("- 8080:8080", `- ${port}:8080`));
  return { dir, port };
}

/** A running `platform ...` child process. */
export interface PlatformProcess {
  child: Deno.ChildProcess;
  /** Exit code, stdout, and all of stderr, once it has exited. */
  finished: Promise<{ code: number; stdout: string; stderr: string }>;
  /** Sends a signal unless it has exited. */
  kill(signal: Deno.Signal): void;
  /** stderr so far. */
  stderr(): string;
}

/** Starts the real CLI with `args` in `cwd`; stderr is collected as it comes. */
export function startPlatform(
  args: string[],
  options: { cwd: string; env: Record<string, string>; denoArgs?: string[] },
): PlatformProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...LAUNCH_FLAGS, ...(options.denoArgs ?? []), entry, ...args],
    cwd: options.cwd,
    env: options.env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const stdout = new Response(child.stdout).text();
  const drained = (async () => {
    for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) stderr += text;
  })();
  const finished = (async () => {
    const status = await child.status;
    await drained;
    return { code: status.code, stdout: await stdout, stderr };
  })();
  const kill = (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch {
      // it has exited already; `finished` says how
    }
  };
  return { child, finished, kill, stderr: () => stderr };
}

/** GET / on a local port; undefined when nothing answers within 30 s. */
export async function get(port: number, path = "/"): Promise<string | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      signal: AbortSignal.timeout(30_000),
    });
    return (await response.text()).trim();
  } catch {
    return undefined;
  }
}

/** Waits (bounded) until the forwarded port answers `text`. */
export const answers = (port: number, text: string, timeoutMs = 60_000): Promise<unknown> =>
  waitFor(
    `127.0.0.1:${port} to answer ${JSON.stringify(text)}`,
    async () => (await get(port)) === text,
    { timeoutMs },
  );
