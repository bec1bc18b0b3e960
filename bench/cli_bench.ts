/**
 * Wall time of the CLI's common paths, as medians of warm runs, beside
 * `kubectl --help` measured in the same run as the baseline (ratios, not
 * absolute thresholds: machines differ, the ratio travels).
 *
 * Run: ./denow task bench  (or ./denow run -A bench/cli_bench.ts --runs 15)
 * Optional: PLATFORM_BENCH_KUBECONFIG=<file> adds apply-to-ready on that cluster.
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "11" } },
});
const runs = Number(values.runs);
const root = new URL("..", import.meta.url).pathname;
const deno = Deno.execPath();

interface Case {
  name: string;
  cmd: string[];
  env?: Record<string, string>;
}

function kubectlPath(): string | undefined {
  for (
    const candidate of [
      `${root}.cache/cluster/bin/kubectl`,
      "/usr/bin/kubectl",
      "/usr/local/bin/kubectl",
    ]
  ) {
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch { /* next */ }
  }
  return undefined;
}

async function time(command: string[], env: Record<string, string> = {}): Promise<number> {
  const started = performance.now();
  const output = await new Deno.Command(command[0], {
    args: command.slice(1),
    env,
    stdout: "null",
    stderr: "piped",
    cwd: root,
  })
    .output();
  const elapsed = performance.now() - started;
  if (!output.success) {
    throw new Error(`${command.join(" ")} failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const kubectl = kubectlPath();
const cases: Case[] = [
  ...(kubectl ? [{ name: "kubectl --help (baseline)", cmd: [kubectl, "--help"] }] : []),
  { name: "deno empty script", cmd: [deno, "eval", ""] },
  { name: "platform --help", cmd: [deno, "run", "-A", `${root}platform.ts`, "--help"] },
  {
    name: "platform apply dev x --dry-run",
    cmd: [deno, "run", "-A", `${root}platform.ts`, "apply", "dev", "x", "--dry-run", "-o", "yaml"],
  },
  {
    name: "platform version",
    cmd: [deno, "run", "-A", `${root}platform.ts`, "version", "-o", "json"],
  },
];

const results: { name: string; medianMs: number; ratioToBaseline?: number }[] = [];
for (const item of cases) {
  await time(item.cmd, item.env); // warm the module cache
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await time(item.cmd, item.env));
  results.push({ name: item.name, medianMs: Math.round(median(samples)) });
}
const baseline = results.find((result) => result.name.includes("baseline"))?.medianMs;
for (const result of results) {
  if (baseline) result.ratioToBaseline = Number((result.medianMs / baseline).toFixed(2));
}

const kubeconfig = Deno.env.get("PLATFORM_BENCH_KUBECONFIG");
if (kubeconfig) {
  const env = { KUBECONFIG: kubeconfig, INGRESS_HOST: "127.0.0.1.nip.io" };
  const samples: number[] = [];
  for (let i = 0; i < Math.min(runs, 5); i++) {
    const user = `bench-${crypto.randomUUID().slice(0, 6)}`;
    const platform = [deno, "run", "-A", `${root}platform.ts`];
    samples.push(
      await time([
        ...platform,
        "apply",
        "dev",
        user,
        "--template",
        "manifests",
        "--no-session",
        "-o",
        "json",
      ], env),
    );
    await time([...platform, "uninstall", "dev", user, "-o", "json"], env);
  }
  results.push({
    name: "apply dev (create to Available, local cluster)",
    medianMs: Math.round(median(samples)),
  });
}

console.table(results);
await Deno.mkdir(`${root}bench/results`, { recursive: true });
await Deno.writeTextFile(
  `${root}bench/results/cli.json`,
  JSON.stringify({ runs, date: new Date().toISOString(), results }, null, 2),
);
