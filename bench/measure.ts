/**
 * What the benches share: finding kubectl, running one command with its
 * wall time and peak memory, and summarising samples (median, min, max).
 *
 * Peak memory is the maximum resident set size of the command and the
 * processes it waited for, as GNU time (`/usr/bin/time -f %M`) reports it.
 * Without GNU time (Debian: `apt-get install -y time`) figures carry no
 * memory, and the bench says so once.
 *
 * @module
 */

/** The repository root. */
export const ROOT: string = new URL("..", import.meta.url).pathname;

/** GNU time, when installed. */
export const GNU_TIME: string | undefined = firstFile(["/usr/bin/time"]);

/** No command of a bench may be cut short before this: a slow run is a figure, not a failure. */
export const COMMAND_TIMEOUT_MS = 600_000;

function firstFile(candidates: string[]): string | undefined {
  for (const candidate of candidates) {
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch { /* next */ }
  }
  return undefined;
}

/** kubectl: the one built for the local cluster (same version as its API server), else the system's. */
export function kubectlPath(): string | undefined {
  return firstFile([
    `${ROOT}.cache/cluster/bin/kubectl`,
    "/usr/bin/kubectl",
    "/usr/local/bin/kubectl",
  ]);
}

/** One run of one command. */
export interface Sample {
  ms: number;
  /** Peak resident set size in KiB; undefined without GNU time. */
  rssKiB?: number;
}

/** How to run a command. */
export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Written to the command's stdin. */
  stdin?: string;
}

/**
 * Runs `command` once and returns its wall time (spawn to exit) and peak
 * RSS. Throws with the command's stderr when it fails: a figure from a
 * failed run is no figure.
 */
export async function measure(command: string[], options: RunOptions = {}): Promise<Sample> {
  const rssFile = GNU_TIME ? await Deno.makeTempFile({ prefix: "bench-rss-" }) : undefined;
  const argv = GNU_TIME ? [GNU_TIME, "-f", "%M", "-o", rssFile!, ...command] : command;
  const started = performance.now();
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: options.env,
    cwd: options.cwd ?? ROOT,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "null",
    stderr: "piped",
    signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
  }).spawn();
  if (options.stdin !== undefined) {
    // Written while stderr is read below, so a large input cannot deadlock on a full pipe.
    const writer = child.stdin.getWriter();
    writer.write(new TextEncoder().encode(options.stdin)).then(() => writer.close()).catch(
      () => {},
    );
  }
  const output = await child.output();
  const ms = performance.now() - started;
  let rssKiB: number | undefined;
  if (rssFile) {
    const text = await Deno.readTextFile(rssFile);
    await Deno.remove(rssFile);
    rssKiB = Number(text.trim().split("\n").pop()) || undefined;
  }
  if (!output.success) {
    throw new Error(
      `${command.join(" ")} failed (exit ${output.code}): ${
        new TextDecoder().decode(output.stderr).trim()
      }`,
    );
  }
  return { ms, rssKiB };
}

/** Runs a command and returns its stdout; throws with stderr on failure. */
export async function capture(command: string[], options: RunOptions = {}): Promise<string> {
  const child = new Deno.Command(command[0], {
    args: command.slice(1),
    env: options.env,
    cwd: options.cwd ?? ROOT,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    writer.write(new TextEncoder().encode(options.stdin)).then(() => writer.close()).catch(
      () => {},
    );
  }
  const output = await child.output();
  const decoder = new TextDecoder();
  if (!output.success) {
    throw new Error(
      `${command.join(" ")} failed (exit ${output.code}): ${decoder.decode(output.stderr).trim()}`,
    );
  }
  return decoder.decode(output.stdout);
}

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median, min and max of samples, in whole milliseconds and MiB. */
export interface Summary {
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Median peak RSS in MiB. */
  medianRssMiB?: number;
  /** Largest peak RSS in MiB. */
  maxRssMiB?: number;
}

/** Summarises samples of one command. */
export function summarize(samples: Sample[]): Summary {
  const ms = samples.map((sample) => sample.ms);
  const rss = samples.flatMap((sample) => sample.rssKiB === undefined ? [] : [sample.rssKiB]);
  const mib = (kib: number) => Math.round(kib / 1024);
  return {
    medianMs: Math.round(median(ms)),
    minMs: Math.round(Math.min(...ms)),
    maxMs: Math.round(Math.max(...ms)),
    ...(rss.length ? { medianRssMiB: mib(median(rss)), maxRssMiB: mib(Math.max(...rss)) } : {}),
  };
}
