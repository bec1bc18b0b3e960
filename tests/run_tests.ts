/**
 * `./denow task test`: makes sure the test cluster is up (building its
 * binaries and starting it if needed), runs `deno test -A` over tests/,
 * streams its output, then prints the plain summary line CI reads,
 * `N passed, N failed` (`, N skipped` when some were ignored), alone on a
 * line, and exits with deno test's exit code. A cluster this run started is
 * stopped at the end; one that was already running is left running.
 *
 * Usage: deno run -A tests/run_tests.ts [--unit] [--keep-cluster] [deno test args...] [paths...]
 *   --unit          only tests/unit/, without the cluster
 *   --keep-cluster  leave a cluster this run started running (also PLATFORM_TEST_KEEP_CLUSTER=1)
 *
 * @module
 */
import { PlatformError } from "../lib/errors.ts";
import { ensureCluster, REPO_ROOT, stopCluster } from "./cluster/cluster.ts";

// deno test flags whose value is a separate argument, so it is not taken for a path.
const FLAGS_WITH_VALUE = new Set([
  "--filter",
  "--reporter",
  "--junit-path",
  "--jobs",
  "--seed",
  "--config",
  "-c",
  "--import-map",
  "--location",
  "--env-file",
]);

/** Counts from Deno's summary line `ok | 5 passed (2 steps) | 0 failed | 1 ignored (3s)`. */
export interface Summary {
  passed: number;
  failed: number;
  ignored: number;
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Parses Deno's test summary out of one line of its output, if that line is the summary. */
export function parseSummary(line: string): Summary | undefined {
  const plain = line.replace(ANSI, "").trim();
  const match = plain.match(/^(?:ok|FAILED) \| (\d+) passed\b.*?\| (\d+) failed\b(.*)$/);
  if (!match) return undefined;
  const ignored = match[3].match(/\| (\d+) ignored\b/);
  return {
    passed: Number(match[1]),
    failed: Number(match[2]),
    ignored: ignored ? Number(ignored[1]) : 0,
  };
}

/** The line CI reads. */
export function summaryLine(summary: Summary): string {
  const base = `${summary.passed} passed, ${summary.failed} failed`;
  return summary.ignored > 0 ? `${base}, ${summary.ignored} skipped` : base;
}

/** Splits our own options from deno test's arguments and paths. */
export function parseArgs(args: string[]): {
  unit: boolean;
  keepCluster: boolean;
  flags: string[];
  paths: string[];
} {
  let unit = false;
  let keepCluster = Deno.env.get("PLATFORM_TEST_KEEP_CLUSTER") === "1";
  const flags: string[] = [];
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--unit") unit = true;
    else if (arg === "--keep-cluster") keepCluster = true;
    else if (FLAGS_WITH_VALUE.has(arg)) flags.push(arg, args[++i] ?? "");
    else if (arg.startsWith("-")) flags.push(arg);
    else paths.push(arg);
  }
  return { unit, keepCluster, flags, paths };
}

async function pipeLines(
  stream: ReadableStream<Uint8Array>,
  out: { write(p: Uint8Array): Promise<number> },
  onLine: (line: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of stream) {
    await writeAll(out, chunk);
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    lines.forEach(onLine);
  }
  if (pending) onLine(pending);
}

async function writeAll(
  out: { write(p: Uint8Array): Promise<number> },
  data: Uint8Array,
): Promise<void> {
  let written = 0;
  while (written < data.length) written += await out.write(data.subarray(written));
}

async function main(args: string[]): Promise<number> {
  const options = parseArgs(args);
  let startedCluster = false;
  if (!options.unit) {
    try {
      const result = await ensureCluster();
      startedCluster = result.action !== "reused";
      console.error(
        `test cluster ${result.action} in ${(result.elapsedMs / 1000).toFixed(1)}s`,
      );
    } catch (e) {
      const hint = e instanceof PlatformError && e.hint ? `\nhint: ${e.hint}` : "";
      console.error(
        `error: the test cluster could not be started: ${
          e instanceof Error ? e.message : e
        }${hint}`,
      );
      return 1;
    }
  }

  const paths = options.paths.length > 0
    ? options.paths
    : [options.unit ? "tests/unit/" : "tests/"];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", ...options.flags, ...paths],
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  // Ctrl-C or CI's SIGTERM: stop the tests, then still tidy up the cluster.
  const forward = (signal: Deno.Signal) => () => {
    try {
      child.kill(signal);
    } catch {
      // already exited
    }
  };
  const onInt = forward("SIGINT");
  const onTerm = forward("SIGTERM");
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGTERM", onTerm);

  let summary: Summary | undefined;
  const onLine = (line: string) => {
    summary = parseSummary(line) ?? summary;
  };
  const [status] = await Promise.all([
    child.status,
    pipeLines(child.stdout, Deno.stdout, onLine),
    pipeLines(child.stderr, Deno.stderr, onLine),
  ]);
  Deno.removeSignalListener("SIGINT", onInt);
  Deno.removeSignalListener("SIGTERM", onTerm);

  if (startedCluster && !options.keepCluster) {
    try {
      await stopCluster();
    } catch (e) {
      console.error(
        `warning: could not stop the test cluster: ${e instanceof Error ? e.message : e}`,
      );
    }
  }

  const code = status.signal ? 128 + (status.signal === "SIGINT" ? 2 : 15) : status.code;
  if (!summary) {
    // A type error or a crash before any test ran: still give CI its line.
    console.error(`deno test ended without a summary (exit ${code})`);
    summary = { passed: 0, failed: code === 0 ? 0 : 1, ignored: 0 };
  }
  console.log(summaryLine(summary));
  return code;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
