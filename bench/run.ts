/**
 * The bench: every figure of issue 11 as pairs against kubectl's closest
 * command, in the same run and alternating (platform, kubectl, platform,
 * kubectl, ...), so both sides see the same machine load. Prints medians,
 * min/max, peak RSS and the ratio, and writes bench/results/<date>.json.
 *
 * Figures (each platform command beside its kubectl counterpart):
 * - help:            platform --help                       | kubectl --help
 * - dry-run:         platform apply dev x --dry-run        | kubectl --help
 * - completion:      one TAB (bash runs the completion function)   | kubectl __complete apply ''
 * - status:          platform status dev <u>               | kubectl get deploy -n <u> -o json
 * - get:             platform get resources deployments -n <u> | kubectl get deployments -n <u> -o json
 * - describe:        platform describe resource deployment silly-demo -n <u> | kubectl describe deployment silly-demo -n <u>
 * - uninstall-missing: platform uninstall dev <nobody>     | kubectl delete deploy,svc,ingress -n <nobody> -l <its labels> --ignore-not-found
 * - apply-unchanged: platform apply dev <u> --no-session   | kubectl apply --server-side (same manifests)
 * - list:            platform list dev, N environments     | kubectl get deploy -A -l managed-by=platform -o json
 * - apply-create:    apply dev --no-session, nothing to Available | kubectl apply + kubectl wait --for=condition=Available
 *
 * Runs against the local test cluster (started if it is down) unless
 * --kubeconfig names another. What it creates lives in namespaces named
 * bench-<run id>-*, deleted at the end (--keep leaves them).
 *
 * Peak memory needs GNU time (/usr/bin/time; Debian: apt-get install -y time).
 * No timeout in here is shorter than 30 s: a slow run is a figure.
 *
 * --rtt MS puts the cluster MS milliseconds of round trip away for the timed
 * runs of both sides (bench/latency_proxy.ts: half of it each way), as a
 * company's cluster a cloud region away is; set-up and clean-up go direct.
 *
 * Run: ./denow task bench [--runs 11] [--envs 50[,500]] [--only help,list,...] [--rtt 40] [--keep]
 */
import { parseArgs } from "node:util";
import { LAUNCH_FLAGS } from "../lib/launch_flags.ts";
import {
  capture,
  GNU_TIME,
  kubectlPath,
  measure,
  ROOT,
  type Sample,
  summarize,
  type Summary,
} from "./measure.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "11" },
    envs: { type: "string", default: "50" },
    only: { type: "string" },
    kubeconfig: { type: "string" },
    keep: { type: "boolean", default: false },
    out: { type: "string" },
    note: { type: "string" },
    rtt: { type: "string", default: "0" },
  },
});

const FIGURES = [
  "help",
  "dry-run",
  "completion",
  "status",
  "get",
  "describe",
  "uninstall-missing",
  "apply-unchanged",
  "list",
  "apply-create",
] as const;
type FigureKey = typeof FIGURES[number];

const runs = Number(values.runs);
const envCounts = values.envs!.split(",").map(Number).filter((n) => n > 0).sort((a, b) => a - b);
const only = new Set(values.only ? values.only.split(",") : FIGURES);
for (const key of only) {
  if (!FIGURES.includes(key as FigureKey)) {
    throw new Error(`unknown figure ${key}; figures: ${FIGURES.join(", ")}`);
  }
}
const wanted = (key: FigureKey) => only.has(key);
const needsCluster = FIGURES.slice(3).some(wanted);

const found = kubectlPath();
if (!found) throw new Error("kubectl not found (./denow task cluster:build builds one)");
const kubectl: string = found;
if (!GNU_TIME) {
  console.error("note: /usr/bin/time is missing, so no memory figures (apt-get install -y time)");
}

let kubeconfig = values.kubeconfig;
if (needsCluster && !kubeconfig) {
  const cluster = await import("../tests/cluster/cluster.ts");
  await cluster.ensureCluster();
  kubeconfig = cluster.KUBECONFIG_PATH;
}

const runId = crypto.randomUUID().slice(0, 5);
const prefix = `bench-${runId}`;
const workdir = await Deno.makeTempDir({ prefix: "platform-bench-" });
const env: Record<string, string> = {
  ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}),
  INGRESS_HOST: "127.0.0.1.nip.io",
  NO_COLOR: "1",
};
// As the installed shim runs it (scripts/install.ts), flags included.
const platformCmd = [Deno.execPath(), "run", ...LAUNCH_FLAGS, `${ROOT}platform.ts`];
const platform = (...args: string[]) => [...platformCmd, ...args];
// kubectl reads KUBECONFIG from env: it refuses `kubectl --kubeconfig F __complete ...`.
const kube = (...args: string[]) => [kubectl, ...args];
/** The cluster as far away as --rtt says, for the timed runs (the same kubeconfig, another port). */
const rttMs = Number(values.rtt);
let timedEnv = env;
let proxy: { close(): void } | undefined;
if (rttMs > 0 && kubeconfig) {
  const { startLatencyProxy } = await import("./latency_proxy.ts");
  const { parseYamlDocument, toYaml } = await import("../lib/yaml.ts");
  const document = parseYamlDocument(await Deno.readTextFile(kubeconfig), kubeconfig) as {
    clusters: { cluster: { server: string } }[];
  };
  const server = new URL(document.clusters[0].cluster.server);
  const relay = startLatencyProxy(
    { hostname: server.hostname, port: Number(server.port) },
    rttMs / 2,
  );
  proxy = relay;
  for (const entry of document.clusters) {
    entry.cluster.server = `https://${server.hostname}:${relay.port}`;
  }
  const far = `${workdir}/kubeconfig-${rttMs}ms.yaml`;
  await Deno.writeTextFile(far, toYaml(document));
  timedEnv = { ...env, KUBECONFIG: far };
  console.error(`… the cluster is ${rttMs} ms of round trip away for the timed runs`);
}
/** One timed run. */
const run = (command: string[], stdin?: string) =>
  measure(command, { env: timedEnv, cwd: workdir, stdin });
/** One untimed run (setup, clean-up); returns stdout. */
const exec = (command: string[], stdin?: string) => capture(command, { env, cwd: workdir, stdin });
const namespaces: string[] = [];

/** The manifests `apply dev <user>` applies, as its --dry-run renders them (no namespace). */
async function manifestsOf(user: string): Promise<string> {
  return await exec(
    platform("apply", "dev", user, "--dry-run", "--template", "manifests", "-o", "yaml"),
  );
}

/** A Namespace for `user` as apply dev makes it, plus the bench's own label. */
function namespaceYaml(user: string): string {
  return [
    "apiVersion: v1",
    "kind: Namespace",
    "metadata:",
    `  name: ${user}`,
    "  labels:",
    "    app.kubernetes.io/managed-by: platform",
    `    platform.dev/user: ${user}`,
    `    platform.dev/bench: ${JSON.stringify(runId)}`, // quoted: "10737" or "1e345" would be a number
    "---",
    "",
  ].join("\n");
}

/** Writes `text` to a file in the work directory and returns its path. */
async function file(name: string, text: string): Promise<string> {
  const path = `${workdir}/${name}`;
  await Deno.writeTextFile(path, text);
  return path;
}

interface Figure {
  key: FigureKey;
  name: string;
  platform: string;
  kubectl: string;
  a: (i: number) => Promise<Sample>;
  b: (i: number) => Promise<Sample>;
  /** Warm-up runs are not counted; the create figure needs fresh users for them too. */
  warmup?: boolean;
}

interface Result extends Omit<Figure, "a" | "b" | "warmup"> {
  runs: number;
  platformStats: Summary;
  kubectlStats: Summary;
  /** platform median / kubectl median. */
  ratio: number;
}

/** Runs a figure as pairs: one warm-up each, then A B A B ... */
async function pairs(figure: Figure): Promise<Result> {
  if (figure.warmup !== false) {
    await figure.a(-1);
    await figure.b(-1);
  }
  const a: Sample[] = [];
  const b: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(await figure.a(i));
    b.push(await figure.b(i));
  }
  const platformStats = summarize(a);
  const kubectlStats = summarize(b);
  const result = {
    key: figure.key,
    name: figure.name,
    platform: figure.platform,
    kubectl: figure.kubectl,
    runs,
    platformStats,
    kubectlStats,
    ratio: Number((platformStats.medianMs / kubectlStats.medianMs).toFixed(2)),
  };
  console.error(`✓ ${figure.name}: ${platformStats.medianMs} ms vs ${kubectlStats.medianMs} ms`);
  return result;
}

const results: Result[] = [];
/** Prints the table and writes bench/results/<date>.json: what was measured, even after a failure. */
async function report(failure?: string): Promise<void> {
  const cell = (s: Summary) =>
    `${s.medianMs} (${s.minMs}–${s.maxMs})${
      s.medianRssMiB === undefined ? "" : ` ${s.medianRssMiB} MiB`
    }`;
  console.log(
    `\n${runs} pairs each; ms median (min–max), median peak RSS${
      rttMs ? `; the cluster ${rttMs} ms of round trip away` : ""
    }\n`,
  );
  console.log("| figure | platform | kubectl | ratio |\n|---|---|---|---|");
  for (const result of results) {
    console.log(
      `| ${result.name} | ${cell(result.platformStats)} | ${
        cell(result.kubectlStats)
      } | ${result.ratio}x |`,
    );
  }

  const machine = {
    os: `${Deno.build.os} ${Deno.build.arch}`,
    cpus: navigator.hardwareConcurrency,
    memoryGiB: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
    deno: Deno.version.deno,
    kubectl: (await capture([kubectl, "version", "--client", "-o", "json"]).then(
      (text) => JSON.parse(text).clientVersion?.gitVersion,
    ).catch(() => undefined)) as string | undefined,
  };
  const date = new Date().toISOString();
  const out = values.out ?? `${ROOT}bench/results/${date.slice(0, 16).replace(":", "-")}.json`;
  await Deno.mkdir(new URL(".", `file://${out}`).pathname, { recursive: true });
  await Deno.writeTextFile(
    out,
    JSON.stringify({ date, note: values.note, machine, rttMs, runs, results, failure }, null, 2) +
      "\n",
  );
  console.error(`\nwrote ${out}`);
}

let failure: string | undefined;
try {
  if (wanted("help")) {
    results.push(
      await pairs({
        key: "help",
        name: "--help",
        platform: "platform --help",
        kubectl: "kubectl --help",
        a: () => run(platform("--help")),
        b: () => run(kube("--help")),
      }),
    );
  }
  if (wanted("dry-run")) {
    results.push(
      await pairs({
        key: "dry-run",
        name: "apply dev x --dry-run",
        platform: "platform apply dev x --dry-run -o yaml",
        kubectl: "kubectl --help",
        a: () => run(platform("apply", "dev", "x", "--dry-run", "-o", "yaml")),
        b: () => run(kube("--help")),
      }),
    );
  }
  if (wanted("completion")) {
    // One TAB as bash runs it: the completion function of `platform completions bash` (sourced
    // once per shell, so not timed) with `platform` on PATH for whatever the script asks the CLI.
    await Deno.mkdir(`${workdir}/bin`);
    await Deno.writeTextFile(
      `${workdir}/bin/platform`,
      `#!/bin/sh\nexec ${platformCmd.map((arg) => `'${arg}'`).join(" ")} "$@"\n`,
      { mode: 0o755 },
    );
    const script = await file("completion.bash", await exec(platform("completions", "bash")));
    const tab = [
      `. '${script}'`,
      'COMP_WORDS=(platform apply ""); COMP_CWORD=2; COMP_LINE="platform apply "',
      "COMP_POINT=${#COMP_LINE}",
      "_platform platform '' apply",
      '[ "${#COMPREPLY[@]}" -gt 0 ] || { echo "no completions" >&2; exit 1; }',
    ].join("\n");
    const path = `${workdir}/bin:${Deno.env.get("PATH") ?? ""}`;
    results.push(
      await pairs({
        key: "completion",
        name: "completion, one TAB",
        platform: "bash: _platform for `platform apply <TAB>`",
        kubectl: "kubectl __complete apply ''",
        a: () => measure(["bash", "-c", tab], { env: { ...env, PATH: path }, cwd: workdir }),
        b: () => run(kube("__complete", "apply", "")),
      }),
    );
  }

  // One environment each side, made once: status and unchanged applies read and re-apply it.
  const mine = `${prefix}-p`;
  const theirs = `${prefix}-k`;
  if (["status", "get", "describe", "apply-unchanged"].some((key) => wanted(key as FigureKey))) {
    namespaces.push(mine, theirs);
    await exec(
      platform("apply", "dev", mine, "--no-session", "--template", "manifests", "-o", "json"),
    );
    const theirManifests = await file(
      "theirs.yaml",
      namespaceYaml(theirs) + await manifestsOf(theirs),
    );
    await exec(
      kube("apply", "--server-side", "--field-manager", "platform", "-f", theirManifests),
    );
    await exec(
      kube(
        "wait",
        "--for=condition=Available",
        "--timeout=300s",
        "-n",
        theirs,
        "deployment/silly-demo",
      ),
    );
  }
  if (wanted("status")) {
    results.push(
      await pairs({
        key: "status",
        name: "status dev",
        platform: "platform status dev <u> -o json",
        kubectl: "kubectl get deploy -n <u> -o json",
        a: () => run(platform("status", "dev", mine, "-o", "json")),
        b: () => run(kube("get", "deploy", "-n", mine, "-o", "json")),
      }),
    );
  }
  if (wanted("get")) {
    results.push(
      await pairs({
        key: "get",
        name: "get resources",
        platform: "platform get resources deployments -n <u> -o json",
        kubectl: "kubectl get deployments -n <u> -o json",
        a: () => run(platform("get", "resources", "deployments", "-n", mine, "-o", "json")),
        b: () => run(kube("get", "deployments", "-n", mine, "-o", "json")),
      }),
    );
  }
  if (wanted("describe")) {
    results.push(
      await pairs({
        key: "describe",
        name: "describe resource",
        platform: "platform describe resource deployment silly-demo -n <u>",
        kubectl: "kubectl describe deployment silly-demo -n <u>",
        a: () =>
          run(
            platform("describe", "resource", "deployment", "silly-demo", "-n", mine, "-o", "json"),
          ),
        b: () => run(kube("describe", "deployment", "silly-demo", "-n", mine)),
      }),
    );
  }
  if (wanted("uninstall-missing")) {
    // Nobody's environment: both sides look for it and find nothing to delete.
    const nobody = `${prefix}-nobody`;
    results.push(
      await pairs({
        key: "uninstall-missing",
        name: "uninstall dev, no such environment",
        platform: "platform uninstall dev <nobody>",
        kubectl: "kubectl delete deploy,svc,ingress -n <nobody> -l <its labels> --ignore-not-found",
        a: () => run(platform("uninstall", "dev", nobody, "-o", "json")),
        b: () =>
          run(
            kube(
              "delete",
              "deploy,svc,ingress",
              "-n",
              nobody,
              "-l",
              `app.kubernetes.io/managed-by=platform,platform.dev/user=${nobody}`,
              "--ignore-not-found",
            ),
          ),
      }),
    );
  }
  if (wanted("apply-unchanged")) {
    const path = `${workdir}/theirs.yaml`;
    results.push(
      await pairs({
        key: "apply-unchanged",
        name: "apply dev --no-session, unchanged",
        platform: "platform apply dev <u> --no-session --template manifests",
        kubectl: "kubectl apply --server-side -f <the same manifests>",
        a: () =>
          run(
            platform("apply", "dev", mine, "--no-session", "--template", "manifests", "-o", "json"),
          ),
        b: () => run(kube("apply", "--server-side", "--field-manager", "platform", "-f", path)),
      }),
    );
  }

  if (wanted("list")) {
    // N environments as apply dev makes them, but at 0 replicas (500 pods would swamp 2 cores)
    // and with headless Services (500 would exhaust the local cluster's service IP range).
    const template = (await manifestsOf("benchtemplate")).split(/^---\n/m).map((doc) =>
      /^kind: Service$/m.test(doc)
        ? doc.replace(/^spec:\n/m, "spec:\n  clusterIP: None\n")
        : doc.replace(/^ {2}replicas: 1$/m, "  replicas: 0")
    ).join("---\n");
    let made = 0;
    for (const count of envCounts) {
      const chunk: string[] = [];
      for (; made < count; made++) {
        const user = `${prefix}-e${made}`;
        namespaces.push(user);
        chunk.push(
          namespaceYaml(user) +
            template.replaceAll("benchtemplate", user),
        );
      }
      console.error(`… creating environments up to ${count}`);
      // In slices, so one kubectl apply never holds thousands of objects.
      for (let start = 0; start < chunk.length; start += 100) {
        await exec(
          kube("apply", "--server-side", "--field-manager", "platform", "-f", "-"),
          chunk.slice(start, start + 100).join("---\n"),
        );
      }
      const listed = JSON.parse(
        await exec(platform("list", "dev", "-o", "json")),
      );
      const ours = listed.filter((row: { user: string }) => row.user.startsWith(`${prefix}-e`));
      if (ours.length !== count) {
        throw new Error(`list dev shows ${ours.length} of ${count} environments`);
      }
      results.push(
        await pairs({
          key: "list",
          name: `list dev, ${count} environments (${listed.length} in the cluster)`,
          platform: "platform list dev -o json",
          kubectl: "kubectl get deploy -A -l app.kubernetes.io/managed-by=platform -o json",
          a: () => run(platform("list", "dev", "-o", "json")),
          b: () =>
            run(
              kube(
                "get",
                "deploy",
                "-A",
                "-l",
                "app.kubernetes.io/managed-by=platform",
                "-o",
                "json",
              ),
            ),
        }),
      );
    }
  }

  if (wanted("apply-create")) {
    const created = (side: string, i: number) => {
      const user = `${prefix}-${side}${i < 0 ? "w" : i}`;
      namespaces.push(user);
      return user;
    };
    results.push(
      await pairs({
        key: "apply-create",
        name: "apply dev --no-session, nothing to Available",
        platform: "platform apply dev <new u> --no-session --template manifests",
        kubectl:
          "kubectl apply --server-side -f <ns + manifests> && kubectl wait --for=condition=Available",
        a: (i) =>
          run(
            platform(
              "apply",
              "dev",
              created("c", i),
              "--no-session",
              "--template",
              "manifests",
              "-o",
              "json",
            ),
          ),
        b: async (i) => {
          const user = created("f", i);
          const path = await file(`${user}.yaml`, namespaceYaml(user) + await manifestsOf(user));
          const apply = kube("apply", "--server-side", "--field-manager", "platform", "-f", path);
          const wait = kube(
            "wait",
            "--for=condition=Available",
            "--timeout=300s",
            "-n",
            user,
            "deployment/silly-demo",
          );
          const quote = (argv: string[]) => argv.map((arg) => `'${arg}'`).join(" ");
          return run(["sh", "-c", `${quote(apply)} >/dev/null && ${quote(wait)}`]);
        },
      }),
    );
  }
} catch (error) {
  failure = (error as Error).message;
  throw error;
} finally {
  if (namespaces.length && !values.keep) {
    console.error(`… deleting ${namespaces.length} bench namespaces`);
    for (let start = 0; start < namespaces.length; start += 100) {
      await exec(
        kube(
          "delete",
          "namespace",
          "--wait=false",
          "--ignore-not-found",
          ...namespaces.slice(start, start + 100),
        ),
      ).catch((error) => console.error(`could not delete bench namespaces: ${error.message}`));
    }
  }
  proxy?.close();
  await Deno.remove(workdir, { recursive: true }).catch(() => {});
  await report(failure);
}
