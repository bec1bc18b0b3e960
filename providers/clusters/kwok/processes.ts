/**
 * Local processes of the kwok cluster: pid files, liveness, memory, a
 * graceful stop, and running a tool while streaming its output. Linux /proc
 * is where liveness and memory come from.
 *
 * @module
 */
import { PlatformError } from "../../../lib/errors.ts";

/** Progress lines; the CLI and the tests both want them on stderr. */
export type Logger = (line: string) => void;

/** The default logger: stderr. */
export const stderrLogger: Logger = (line) => console.error(line);

/** A pid read from a pid file, or undefined when there is none. */
export async function readPid(path: string): Promise<number | undefined> {
  try {
    const pid = Number((await Deno.readTextFile(path)).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A process's argv, or undefined when it is gone. */
export async function cmdline(pid: number): Promise<string[] | undefined> {
  try {
    return (await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0").filter((s) => s !== "");
  } catch {
    return undefined;
  }
}

/** Resident memory in KiB, or undefined when the process is gone. */
export async function rssKiB(pid: number): Promise<number | undefined> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const match = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a path exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Removes a file or directory tree; a missing one is fine. */
export async function removePath(path: string): Promise<void> {
  await Deno.remove(path, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** SIGTERM, then SIGKILL after a grace period. */
export async function terminate(pid: number, graceMs = 5000): Promise<void> {
  try {
    Deno.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await exists(`/proc/${pid}`))) return;
    await delay(100);
  }
  try {
    Deno.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** The last lines of a file, or a note that it is missing. */
export async function tail(path: string, lines: number): Promise<string> {
  try {
    return (await Deno.readTextFile(path)).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return `(no ${path})`;
  }
}

/**
 * Runs a program (argv only) and hands each line of its output to `log` as
 * it comes, keeping the last 40 lines for an error message. Both pipes are
 * read while the program runs, so a chatty build never blocks on a full pipe.
 */
export async function runStreaming(
  command: string,
  args: string[],
  options: {
    cwd?: string;
    env?: Record<string, string>;
    clearEnv?: boolean;
    log: Logger;
    format?: (line: string) => string;
  },
): Promise<{ code: number; tail: string }> {
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: options.env,
    clearEnv: options.clearEnv,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const kept: string[] = [];
  const format = options.format ?? ((line: string) => line);
  const emit = (line: string) => {
    kept.push(line);
    if (kept.length > 40) kept.shift();
    options.log(format(line));
  };
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let buffered = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      lines.forEach(emit);
    }
    if (buffered) emit(buffered);
  };
  const [status] = await Promise.all([child.status, pump(child.stdout), pump(child.stderr)]);
  return { code: status.code, tail: kept.join("\n") };
}

/**
 * Runs `fn` while holding a lock file (a pid inside), so two processes never
 * start, stop or build the same thing at once. A lock whose pid is gone is
 * taken over.
 */
export async function withLock<T>(
  path: string,
  options: { log: Logger; what: string; waitMs: number },
  fn: () => Promise<T>,
): Promise<T> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  const deadline = Date.now() + options.waitMs;
  let announced = false;
  while (true) {
    try {
      const file = await Deno.open(path, { write: true, createNew: true });
      await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
      file.close();
      break;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      const holder = await readPid(path);
      if (holder === undefined || !(await exists(`/proc/${holder}`))) {
        await removePath(path);
        continue;
      }
      if (Date.now() > deadline) {
        throw new PlatformError(
          `another process (pid ${holder}) has been busy with ${options.what} for ${
            Math.round(options.waitMs / 60_000)
          } minutes`,
          { hint: `see what pid ${holder} is doing, or remove ${path} if it is stuck` },
        );
      }
      if (!announced) options.log(`waiting for pid ${holder}, which is busy with ${options.what}`);
      announced = true;
      await delay(500);
    }
  }
  try {
    return await fn();
  } finally {
    await removePath(path);
  }
}
