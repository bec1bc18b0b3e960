/**
 * Setup and destroy on the local provider, as a person runs them (a fresh
 * `platform` process each time): a kwok cluster of its own (free port,
 * temporary directory), the stand-in charts of tests/fixtures/charts, then
 * setup again (everything skipped) and destroy. Prints wall times and each
 * step's own time (from its ✓ line); writes bench/results/setup.json.
 * Needs the binaries of `./denow task cluster:build`, not the test cluster.
 *
 * Run: ./denow run -A bench/setup_bench.ts [--runs 3]
 */
import { parseArgs } from "node:util";
import { LAUNCH_FLAGS } from "../lib/launch_flags.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "1" } },
});
const root = new URL("..", import.meta.url).pathname;
const bin = `${root}.cache/cluster/bin`;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

interface Timed {
  ms: number;
  steps: Record<string, number>;
  statuses: Record<string, string>;
}

/** Runs one platform command in `cwd`; fails loudly, since a figure from a failed run is no figure. */
async function platform(args: string[], cwd: string, env: Record<string, string>): Promise<Timed> {
  const started = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...LAUNCH_FLAGS, `${root}platform.ts`, ...args, "-o", "json"],
    cwd,
    env,
    stdin: "null",
  }).output();
  const ms = performance.now() - started;
  const stderr = new TextDecoder().decode(output.stderr);
  if (output.code !== 0) throw new Error(`platform ${args.join(" ")} failed:\n${stderr}`);
  const steps: Record<string, number> = {};
  for (const match of stderr.matchAll(/^[✓-] ([\w-]+): .*\((\d+(?:\.\d+)?)(ms|s)\)$/gm)) {
    steps[match[1]] = Number(match[2]) * (match[3] === "s" ? 1000 : 1);
  }
  const records = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    step: string;
    status: string;
  }[];
  const statuses = Object.fromEntries(records.map((record) => [record.step, record.status]));
  return { ms, steps, statuses };
}

const runs: { setup: Timed; again: Timed; destroy: Timed }[] = [];
for (let run = 0; run < Number(values.runs); run++) {
  const cwd = await Deno.makeTempDir({ prefix: "platform-setup-bench-" });
  const env = {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: Deno.env.get("HOME") ?? "/root",
    NO_COLOR: "1",
    PLATFORM_KWOK_BIN_DIR: bin,
    PLATFORM_HELM: `${bin}/helm`,
    PLATFORM_CHARTS_DIR: `${root}tests/fixtures/charts`,
    PLATFORM_KWOK_PORT: String(freePort()),
  };
  const args = ["--cluster-name", `bench-${run}`, "--users", "alice,bob"];
  try {
    const setup = await platform(["setup", "kwok", ...args], cwd, env);
    const again = await platform(["setup", "kwok", ...args], cwd, env);
    const changed = Object.entries(again.statuses).filter(([, s]) =>
      !["skipped", "checked"].includes(s)
    );
    if (changed.length) throw new Error(`the second setup changed ${JSON.stringify(changed)}`);
    const destroy = await platform(["destroy", "kwok", ...args], cwd, env);
    runs.push({ setup, again, destroy });
    console.error(
      `run ${run + 1}: setup ${(setup.ms / 1000).toFixed(1)} s, again ${
        (again.ms / 1000).toFixed(1)
      } s, destroy ${(destroy.ms / 1000).toFixed(1)} s`,
    );
  } finally {
    await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...LAUNCH_FLAGS,
        `${root}platform.ts`,
        "destroy",
        "kwok",
        "--cluster-name",
        `bench-${run}`,
      ],
      cwd,
      env,
      stdout: "null",
      stderr: "null",
    }).output();
  }
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const summary = {
  runs: runs.length,
  date: new Date().toISOString(),
  provider: "kwok (stand-in charts)",
  setupMs: Math.round(median(runs.map((run) => run.setup.ms))),
  secondSetupMs: Math.round(median(runs.map((run) => run.again.ms))),
  destroyMs: Math.round(median(runs.map((run) => run.destroy.ms))),
  setupSteps: runs.at(-1)?.setup.steps,
  destroySteps: runs.at(-1)?.destroy.steps,
};
console.log(JSON.stringify(summary, null, 2));
await Deno.mkdir(`${root}bench/results`, { recursive: true });
await Deno.writeTextFile(
  `${root}bench/results/setup.json`,
  JSON.stringify(summary, null, 2) + "\n",
);
