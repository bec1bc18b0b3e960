/**
 * The test cluster: a kwok cluster whose etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler and kwok controller run as local
 * processes (`kwokctl --runtime binary`), built by build.sh from the Go module
 * proxy. Everything it writes lives under `.cache/cluster/` (see README.md).
 *
 * As a command: `deno run -A tests/cluster/cluster.ts up | down | status [--json]`.
 * As a module: tests import {@linkcode ensureCluster} and the path constants.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import {
  apiClient,
  type ApiResponse,
  forgetClient,
  request,
  type RequestOptions,
} from "./kube_api.ts";
import { killPodProcesses } from "./pod_processes.ts";

/** The repository root (two levels above this file). */
export const REPO_ROOT: string = fileURLToPath(new URL("../../", import.meta.url)).replace(
  /\/$/,
  "",
);
/** Directory of this module: build.sh, sandboxer.ts and the Go wrapper modules. */
export const CLUSTER_SRC_DIR: string = dirname(fileURLToPath(import.meta.url));
/** Everything the cluster writes; override with PLATFORM_CLUSTER_CACHE (build.sh honours it too). */
export const CACHE_DIR: string = Deno.env.get("PLATFORM_CLUSTER_CACHE") ??
  join(REPO_ROOT, ".cache", "cluster");
/** Built binaries (build.sh). */
export const BIN_DIR: string = join(CACHE_DIR, "bin");
/** The only kubeconfig the cluster writes; ~/.kube/config is never touched. */
export const KUBECONFIG_PATH: string = join(CACHE_DIR, "kubeconfig.yaml");
/** KWOK_WORKDIR given to kwokctl: its clusters, logs, pids and pki live below it. */
export const KWOK_WORKDIR: string = join(CACHE_DIR, "kwok");
/** kwokctl's cluster name and the context name it writes into the kubeconfig. */
export const CLUSTER_NAME = "platform-test";
/** Context in {@linkcode KUBECONFIG_PATH}. */
export const CONTEXT_NAME = `kwok-${CLUSTER_NAME}`;
/** kwokctl's directory for this cluster (kwok.yaml, pids/, logs/, pki/, etcd/). */
export const CLUSTER_WORKDIR: string = join(KWOK_WORKDIR, "clusters", CLUSTER_NAME);
/** Per-pod sandboxes: `<PODS_DIR>/<namespace>/<pod>/` (see sandboxer.ts). */
export const PODS_DIR: string = join(CACHE_DIR, "pods");
/** The KwokctlConfiguration handed to `kwokctl create cluster`. */
export const KWOKCTL_CONFIG_PATH: string = join(CACHE_DIR, "kwokctl.yaml");
/** Pid of the detached sandboxer. */
export const SANDBOXER_PID_PATH: string = join(CACHE_DIR, "sandboxer.pid");
/** Written by the sandboxer once its watches are running. */
export const SANDBOXER_READY_PATH: string = join(CACHE_DIR, "sandboxer.ready");
/** The sandboxer's own log. */
export const SANDBOXER_LOG_PATH: string = join(CACHE_DIR, "sandboxer.log");
/** Source of the sandboxer controller. */
export const SANDBOXER_PATH: string = join(CLUSTER_SRC_DIR, "sandboxer.ts");
/** The one kwok node `up` creates. */
export const NODE_NAME = "kwok-node-0";
/** Used when PLATFORM_TEST_APISERVER_PORT is unset; below Linux's ephemeral range. */
export const DEFAULT_APISERVER_PORT = 26443;

const LOCK_PATH = join(CACHE_DIR, "cluster.lock");
const FIELD_MANAGER = "platform-test-cluster";

/** Every binary build.sh produces. */
export const BINARIES = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubectl",
  "kwok",
  "kwokctl",
  "helm",
] as const;
/** Name of one of {@linkcode BINARIES}. */
export type BinaryName = typeof BINARIES[number];

/** Absolute path of a built binary. */
export function binPath(name: BinaryName): string {
  return join(BIN_DIR, name);
}

/** The apiserver port: PLATFORM_TEST_APISERVER_PORT, else {@linkcode DEFAULT_APISERVER_PORT}. */
export function apiserverPort(): number {
  const raw = Deno.env.get("PLATFORM_TEST_APISERVER_PORT");
  if (raw === undefined || raw === "") return DEFAULT_APISERVER_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ClusterError(
      `PLATFORM_TEST_APISERVER_PORT=${raw} is not a port number`,
      "set it to a free TCP port such as 26443, or unset it",
    );
  }
  return port;
}

/** A failure to build, start, reach or stop the test cluster, with a hint for the next step. */
export class ClusterError extends Error {
  /** What to try next. */
  readonly hint: string;
  constructor(message: string, hint: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ClusterError";
    this.hint = hint;
  }
}

/** Progress lines go here; tests and the CLI both want them on stderr. */
export type Logger = (line: string) => void;
const stderrLogger: Logger = (line) => console.error(line);

// ---------------------------------------------------------------- the API

/** One request to the apiserver with the admin client certificate; undefined if it does not answer. */
async function api(path: string, options: RequestOptions = {}): Promise<ApiResponse | undefined> {
  const client = await apiClient(KUBECONFIG_PATH, CONTEXT_NAME);
  if (!client) return undefined;
  return await request(client, path, { timeoutMs: 3000, ...options });
}

/** True when the apiserver answers /readyz with ok. */
export async function apiReady(): Promise<boolean> {
  const response = await api("/readyz");
  return response?.status === 200;
}

interface NodeCondition {
  type: string;
  status: string;
}

/** Node name to its Ready condition status ("True", "False", "Unknown"). */
async function nodeReadiness(): Promise<Map<string, string> | undefined> {
  const response = await api("/api/v1/nodes");
  if (response?.status !== 200) return undefined;
  const list = JSON.parse(response.body) as {
    items: { metadata: { name: string }; status?: { conditions?: NodeCondition[] } }[];
  };
  return new Map(
    list.items.map((node) => [
      node.metadata.name,
      node.status?.conditions?.find((c) => c.type === "Ready")?.status ?? "Unknown",
    ]),
  );
}

/** Creates (or leaves as it is) the kwok node with server-side apply. */
async function applyNode(): Promise<void> {
  // kwok's node-initialize stage fills in the whole status (conditions,
  // capacity, the kubelet endpoint that exec and port-forward go through);
  // the annotation is what kwok's default stages and our sandboxer look for.
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: NODE_NAME,
      annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: {
        "kubernetes.io/hostname": NODE_NAME,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "node-role.kubernetes.io/agent": "",
        type: "kwok",
      },
    },
    spec: { podCIDR: "10.244.0.0/24" },
  };
  const response = await api(
    `/api/v1/nodes/${NODE_NAME}?fieldManager=${FIELD_MANAGER}&force=true`,
    { method: "PATCH", body: node, contentType: "application/apply-patch+yaml" },
  );
  if (!response || response.status >= 300) {
    throw new ClusterError(
      `could not create node ${NODE_NAME}: ${
        response ? `HTTP ${response.status} ${response.body}` : "the apiserver did not answer"
      }`,
      `look at the apiserver log in ${join(CLUSTER_WORKDIR, "logs")}`,
    );
  }
}

// ---------------------------------------------------------------- processes

async function readPid(path: string): Promise<number | undefined> {
  try {
    const pid = Number((await Deno.readTextFile(path)).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function cmdline(pid: number): Promise<string[] | undefined> {
  try {
    return (await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0").filter((s) => s !== "");
  } catch {
    return undefined;
  }
}

/** Resident memory in KiB from /proc, or undefined if the process is gone. */
async function rssKiB(pid: number): Promise<number | undefined> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const match = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of the running sandboxer, checked against its command line so a reused pid is not mistaken for it. */
async function sandboxerPid(): Promise<number | undefined> {
  const pid = await readPid(SANDBOXER_PID_PATH);
  if (pid === undefined) return undefined;
  const argv = await cmdline(pid);
  return argv?.some((arg) => arg.endsWith("sandboxer.ts")) ? pid : undefined;
}

async function removeFile(path: string): Promise<void> {
  await Deno.remove(path, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Starts the sandboxer detached unless it runs, then waits for it to report its watches are up. */
async function ensureSandboxer(log: Logger): Promise<void> {
  if (await sandboxerPid() !== undefined) return;
  await removeFile(SANDBOXER_READY_PATH);
  // Detached (its own session) so it outlives `cluster:up` and a Ctrl-C in
  // the terminal that started it; it writes its own log file because a
  // detached child's stdio cannot be redirected to a file from here.
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", SANDBOXER_PATH],
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
    env: { PLATFORM_CLUSTER_CACHE: CACHE_DIR, DENO_NO_UPDATE_CHECK: "1" },
  }).spawn();
  child.unref();
  await Deno.writeTextFile(SANDBOXER_PID_PATH, `${child.pid}\n`);
  const exited = child.status.then(() => true);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await readPid(SANDBOXER_READY_PATH) === child.pid) {
      log(`sandboxer running (pid ${child.pid}, log ${SANDBOXER_LOG_PATH})`);
      return;
    }
    if (await Promise.race([exited, delay(200).then(() => false)])) break;
  }
  throw new ClusterError(
    `the sandboxer (pid ${child.pid}) did not start:\n${await tail(SANDBOXER_LOG_PATH, 20)}`,
    `run it in the foreground to see why: ./denow run -A ${SANDBOXER_PATH}`,
  );
}

async function stopSandboxer(log: Logger): Promise<void> {
  const pid = await sandboxerPid();
  if (pid !== undefined) {
    await terminate(pid);
    log(`sandboxer stopped (pid ${pid})`);
  }
  await removeFile(SANDBOXER_PID_PATH);
  await removeFile(SANDBOXER_READY_PATH);
}

/** SIGTERM, then SIGKILL after a grace period. */
async function terminate(pid: number, graceMs = 5000): Promise<void> {
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

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function tail(path: string, lines: number): Promise<string> {
  try {
    return (await Deno.readTextFile(path)).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return `(no ${path})`;
  }
}

/** Runs a command with argv only, forwarding its output line by line to the logger, keeping the tail for errors. */
async function run(
  command: string,
  args: string[],
  options: {
    env?: Record<string, string>;
    clearEnv?: boolean;
    log: Logger;
    format?: (line: string) => string;
  },
): Promise<{ code: number; tail: string }> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, {
      args,
      cwd: REPO_ROOT,
      env: options.env,
      clearEnv: options.clearEnv,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    throw new ClusterError(
      `could not run ${command}: ${e instanceof Error ? e.message : e}`,
      "build the binaries with ./denow task cluster:build",
      { cause: e },
    );
  }
  const kept: string[] = [];
  const format = options.format ?? ((line: string) => line);
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let buffered = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        kept.push(line);
        if (kept.length > 40) kept.shift();
        options.log(format(line));
      }
    }
    if (buffered) {
      kept.push(buffered);
      options.log(format(buffered));
    }
  };
  const [status] = await Promise.all([child.status, pump(child.stdout), pump(child.stderr)]);
  return { code: status.code, tail: kept.join("\n") };
}

/** kwokctl's environment: ours, minus any KWOK_* that would override the configuration file. */
function kwokctlEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    if (!key.startsWith("KWOK_")) env[key] = value;
  }
  env.KWOK_WORKDIR = KWOK_WORKDIR;
  return env;
}

async function kwokctl(args: string[], log: Logger): Promise<{ code: number; tail: string }> {
  return await run(binPath("kwokctl"), args, {
    env: kwokctlEnv(),
    clearEnv: true,
    log,
    format: formatKwokctlLine,
  });
}

/** kwokctl logs JSON when not on a terminal; one short line per record reads better. */
function formatKwokctlLine(line: string): string {
  if (!line.startsWith("{")) return `kwokctl: ${line}`;
  try {
    const record = JSON.parse(line) as {
      level?: string;
      msg?: string;
      err?: string;
      elapsed?: { human?: string };
    };
    const level = record.level && record.level !== "INFO" ? `${record.level} ` : "";
    const elapsed = record.elapsed?.human ? ` (${record.elapsed.human})` : "";
    const err = record.err ? `: ${record.err}` : "";
    return `kwokctl: ${level}${record.msg ?? line}${elapsed}${err}`;
  } catch {
    return `kwokctl: ${line}`;
  }
}

// ---------------------------------------------------------------- build

/** Runs build.sh when a binary is missing (or, with Go present, to pick up a changed go.mod); its output streams to stderr. */
export async function ensureBinaries(log: Logger = stderrLogger): Promise<void> {
  const missing: string[] = [];
  for (const name of BINARIES) {
    if (!(await exists(binPath(name)))) missing.push(name);
  }
  const haveGo = await new Deno.Command("go", { args: ["version"], stdout: "null", stderr: "null" })
    .output().then((o) => o.success, () => false);
  if (missing.length === 0 && !haveGo) return;
  if (missing.length > 0) log(`building ${missing.join(", ")} (this takes minutes the first time)`);
  if (!haveGo) {
    throw new ClusterError(
      `missing binaries in ${BIN_DIR}: ${missing.join(", ")}, and go is not on PATH`,
      "install Go 1.24 or newer, then run ./denow task cluster:build",
    );
  }
  const result = await run("bash", [join(CLUSTER_SRC_DIR, "build.sh")], {
    env: { PLATFORM_CLUSTER_CACHE: CACHE_DIR },
    log,
  });
  if (result.code !== 0) {
    throw new ClusterError(
      `building the cluster binaries failed (exit ${result.code}):\n${result.tail}`,
      "run ./denow task cluster:build to see the whole go error",
    );
  }
}

/** The Kubernetes version pinned in tests/cluster/kube/go.mod, e.g. "v1.33.13". */
export async function kubeVersion(): Promise<string> {
  const gomod = await Deno.readTextFile(join(CLUSTER_SRC_DIR, "kube", "go.mod"));
  const match = gomod.match(/^\s*k8s\.io\/kubernetes\s+(v\S+)/m);
  if (!match) {
    throw new ClusterError(
      "tests/cluster/kube/go.mod does not require k8s.io/kubernetes",
      "restore the require line",
    );
  }
  return match[1];
}

/** The KwokctlConfiguration: every binary a local path (a URL would be downloaded), bound to 127.0.0.1. */
export async function kwokctlConfiguration(port: number): Promise<Record<string, unknown>> {
  return {
    apiVersion: "config.kwok.x-k8s.io/v1alpha1",
    kind: "KwokctlConfiguration",
    options: {
      runtime: "binary",
      kubeVersion: await kubeVersion(),
      bindAddress: "127.0.0.1",
      kubeApiserverPort: port,
      // The secure port with a client-certificate kubeconfig: exec and
      // port-forward need an authenticated user, the insecure port has none.
      securePort: true,
      kubeAuthorization: true,
      // Namespaced rules are what the sandboxer writes per pod; the Cluster*
      // kinds let a test add a rule for a whole namespace by hand.
      enableCRDs: [
        "Exec",
        "ClusterExec",
        "PortForward",
        "ClusterPortForward",
        "Logs",
        "ClusterLogs",
        "Attach",
        "ClusterAttach",
      ],
      etcdBinary: binPath("etcd"),
      kubeApiserverBinary: binPath("kube-apiserver"),
      kubeControllerManagerBinary: binPath("kube-controller-manager"),
      kubeSchedulerBinary: binPath("kube-scheduler"),
      kubectlBinary: binPath("kubectl"),
      kwokControllerBinary: binPath("kwok"),
      cacheDir: join(KWOK_WORKDIR, "cache"),
    },
  };
}

// ---------------------------------------------------------------- lock

/** Serialises start and stop across processes (parallel test files, a second terminal). */
async function withLock<T>(log: Logger, fn: () => Promise<T>): Promise<T> {
  await Deno.mkdir(CACHE_DIR, { recursive: true });
  // A cold build can hold the lock for twenty minutes.
  const deadline = Date.now() + 40 * 60_000;
  let announced = false;
  while (true) {
    try {
      const file = await Deno.open(LOCK_PATH, { write: true, createNew: true });
      await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
      file.close();
      break;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      const holder = await readPid(LOCK_PATH);
      if (holder === undefined || !(await exists(`/proc/${holder}`))) {
        await removeFile(LOCK_PATH);
        continue;
      }
      if (Date.now() > deadline) {
        throw new ClusterError(
          `another process (pid ${holder}) has been starting or stopping the cluster for 40 minutes`,
          `see what pid ${holder} is doing, or remove ${LOCK_PATH} if it is stuck`,
        );
      }
      if (!announced) log(`waiting for pid ${holder}, which is starting or stopping the cluster`);
      announced = true;
      await delay(500);
    }
  }
  try {
    return await fn();
  } finally {
    await removeFile(LOCK_PATH);
  }
}

// ---------------------------------------------------------------- up / down / status

/** Options for {@linkcode ensureCluster}. */
export interface EnsureOptions {
  /** Progress lines; default stderr. */
  log?: Logger;
  /** How long to wait for the API and the node after starting; default 120 s. */
  readyTimeoutMs?: number;
}

/** What {@linkcode ensureCluster} did. */
export interface EnsureResult {
  /** True if this call started the cluster (so the caller may want to stop it). */
  started: boolean;
  /** Wall time of the call. */
  elapsedMs: number;
}

async function healthy(): Promise<boolean> {
  if (!(await apiReady())) return false;
  return (await nodeReadiness())?.get(NODE_NAME) === "True";
}

/**
 * Makes sure the test cluster is up and usable: reuses a running one (a
 * couple of /readyz and node requests), else builds what is missing, starts
 * or creates the kwok cluster, creates the node, starts the sandboxer and
 * waits until the API answers and the node is Ready. Throws a
 * {@linkcode ClusterError} with the reason and a hint when it cannot.
 */
export async function ensureCluster(options: EnsureOptions = {}): Promise<EnsureResult> {
  const log = options.log ?? stderrLogger;
  const started = Date.now();
  if (await healthy()) {
    await ensureSandboxer(log);
    return { started: false, elapsedMs: Date.now() - started };
  }
  return await withLock(log, async () => {
    if (await healthy()) {
      await ensureSandboxer(log);
      return { started: false, elapsedMs: Date.now() - started };
    }
    await ensureBinaries(log);
    let startedNow = false;
    if (!(await apiReady())) {
      await startOrCreate(log);
      startedNow = true;
    }
    await waitFor("the apiserver to answer /readyz", options.readyTimeoutMs ?? 120_000, apiReady);
    await applyNode();
    await ensureSandboxer(log);
    await waitFor(
      `node ${NODE_NAME} to be Ready`,
      options.readyTimeoutMs ?? 120_000,
      async () => (await nodeReadiness())?.get(NODE_NAME) === "True",
    );
    const elapsedMs = Date.now() - started;
    log(
      `cluster ${CLUSTER_NAME} is up (${
        (elapsedMs / 1000).toFixed(1)
      }s); KUBECONFIG=${KUBECONFIG_PATH}`,
    );
    return { started: startedNow, elapsedMs };
  });
}

async function startOrCreate(log: Logger): Promise<void> {
  const port = apiserverPort();
  await Deno.mkdir(CACHE_DIR, { recursive: true });
  if (await exists(join(CLUSTER_WORKDIR, "kwok.yaml"))) {
    // Left behind by a crash or a reboot: its processes are gone but etcd's
    // data and the certificates are there, so starting is quicker than creating.
    log(`starting the existing cluster ${CLUSTER_NAME}`);
    // kwokctl skips a component whose pid is still alive; one that is still
    // shutting down (the apiserver takes seconds) would then be missing.
    await stopLeftoverComponents(log);
    const result = await kwokctl(["start", "cluster", "--name", CLUSTER_NAME], log);
    if (
      result.code === 0 &&
      await waitFor("the apiserver", 60_000, apiReady).then(() => true, () => false)
    ) {
      return;
    }
    log(`could not start the existing cluster; deleting and creating it again`);
    await kwokctl(
      ["delete", "cluster", "--name", CLUSTER_NAME, "--kubeconfig", KUBECONFIG_PATH],
      log,
    );
  }
  assertPortFree(port);
  const configuration = await kwokctlConfiguration(port);
  await Deno.writeTextFile(KWOKCTL_CONFIG_PATH, JSON.stringify(configuration, null, 2) + "\n");
  log(`creating cluster ${CLUSTER_NAME} (apiserver https://127.0.0.1:${port})`);
  const result = await kwokctl([
    "create",
    "cluster",
    "--name",
    CLUSTER_NAME,
    "--config",
    KWOKCTL_CONFIG_PATH,
    "--kubeconfig",
    KUBECONFIG_PATH,
    "--timeout",
    "5m",
  ], log);
  if (result.code !== 0) {
    throw new ClusterError(
      `kwokctl create cluster failed (exit ${result.code}):\n${result.tail}`,
      `component logs are in ${join(CLUSTER_WORKDIR, "logs")}; ` +
        "./denow task cluster:down clears a half-created cluster",
    );
  }
}

/** Stops whatever control-plane processes of an unhealthy cluster are still running, and waits for them. */
async function stopLeftoverComponents(log: Logger): Promise<void> {
  const pidsDir = join(CLUSTER_WORKDIR, "pids");
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(pidsDir));
  } catch {
    return;
  }
  await Promise.all(
    entries.filter((e) => e.name.endsWith(".pid")).map(async (entry) => {
      const pid = await readPid(join(pidsDir, entry.name));
      if (pid === undefined || !(await exists(`/proc/${pid}`))) return;
      log(`stopping leftover ${entry.name.replace(/\.pid$/, "")} (pid ${pid})`);
      await terminate(pid, 15_000);
    }),
  );
}

function assertPortFree(port: number): void {
  try {
    const listener = Deno.listen({ hostname: "127.0.0.1", port });
    listener.close();
  } catch (e) {
    throw new ClusterError(
      `port ${port} on 127.0.0.1 is already in use, so the apiserver cannot listen there`,
      "stop what uses it, or pick another port with PLATFORM_TEST_APISERVER_PORT=<port>",
      { cause: e },
    );
  }
}

async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await delay(250);
  }
  throw new ClusterError(
    `timed out after ${timeoutMs / 1000}s waiting for ${what}`,
    `./denow task cluster:status shows what runs; component logs are in ${
      join(CLUSTER_WORKDIR, "logs")
    }`,
  );
}

/** Stops the sandboxer, deletes the kwok cluster and the pod sandboxes. Returns false if nothing was there. */
export async function stopCluster(options: { log?: Logger } = {}): Promise<boolean> {
  const log = options.log ?? stderrLogger;
  return await withLock(log, async () => {
    const hadSandboxer = (await sandboxerPid()) !== undefined;
    await stopSandboxer(log);
    const hadCluster = await exists(CLUSTER_WORKDIR);
    if (hadCluster) {
      const result = await kwokctl(
        ["delete", "cluster", "--name", CLUSTER_NAME, "--kubeconfig", KUBECONFIG_PATH],
        log,
      );
      if (result.code !== 0) {
        throw new ClusterError(
          `kwokctl delete cluster failed (exit ${result.code}):\n${result.tail}`,
          `./denow task cluster:status shows what still runs; kill those pids, then remove ${CLUSTER_WORKDIR}`,
        );
      }
    }
    // Processes started through exec in a pod outlive the exec stream when
    // backgrounded; they must not keep ports after the cluster is gone.
    const killed = await killPodProcesses((p) => p.podDir.startsWith(`${PODS_DIR}/`));
    if (killed.length > 0) log(`stopped ${killed.length} process(es) left by pods`);
    await removeFile(PODS_DIR);
    await removeFile(KUBECONFIG_PATH);
    forgetClient();
    return hadCluster || hadSandboxer;
  });
}

/** One control-plane process as {@linkcode clusterStatus} sees it. */
export interface ComponentStatus {
  name: string;
  pid?: number;
  running: boolean;
  rssKiB?: number;
  port?: number;
}

/** The state of the test cluster. */
export interface ClusterStatus {
  /** "running": API ready and node Ready; "degraded": something answers but not all; "stopped": created but down; "absent". */
  state: "running" | "degraded" | "stopped" | "absent";
  name: string;
  kubeconfigPath: string;
  context: string;
  server?: string;
  apiReady: boolean;
  nodes: { name: string; ready: string }[];
  components: ComponentStatus[];
  totalRssKiB: number;
  workdir: string;
  podsDir: string;
}

interface SavedConfiguration {
  kind?: string;
  options?: Record<string, unknown>;
  components?: { name: string; binary?: string; ports?: { port: number; hostPort?: number }[] }[];
}

/** Reads kwokctl's saved configuration, the pid files, /proc and the API. */
export async function clusterStatus(): Promise<ClusterStatus> {
  let saved: SavedConfiguration | undefined;
  try {
    saved = parseAllDocuments(await Deno.readTextFile(join(CLUSTER_WORKDIR, "kwok.yaml")))
      .map((d) => d.toJS() as SavedConfiguration)
      .find((d) => d?.kind === "KwokctlConfiguration");
  } catch {
    saved = undefined;
  }
  const components: ComponentStatus[] = [];
  for (const component of saved?.components ?? []) {
    const binaryName = (component.binary ?? component.name).split("/").pop() ?? component.name;
    const pid = await readPid(join(CLUSTER_WORKDIR, "pids", `${binaryName}.pid`));
    const rss = pid === undefined ? undefined : await rssKiB(pid);
    components.push({
      name: component.name,
      pid,
      running: rss !== undefined,
      rssKiB: rss,
      port: component.ports?.[0]?.hostPort || component.ports?.[0]?.port,
    });
  }
  const sPid = await sandboxerPid();
  const sRss = sPid === undefined ? undefined : await rssKiB(sPid);
  components.push({ name: "sandboxer", pid: sPid, running: sRss !== undefined, rssKiB: sRss });

  const ready = saved ? await apiReady() : false;
  const readiness = ready ? await nodeReadiness() : undefined;
  const nodes = [...(readiness ?? new Map<string, string>())].map(([name, r]) => ({
    name,
    ready: r,
  }));
  const anyRunning = components.some((c) => c.running);
  let state: ClusterStatus["state"] = "absent";
  if (saved) {
    if (
      ready && nodes.some((n) => n.name === NODE_NAME && n.ready === "True") &&
      components.every((c) => c.running)
    ) {
      state = "running";
    } else if (ready || anyRunning) {
      state = "degraded";
    } else {
      state = "stopped";
    }
  }
  return {
    state,
    name: CLUSTER_NAME,
    kubeconfigPath: KUBECONFIG_PATH,
    context: CONTEXT_NAME,
    server: (await apiClient(KUBECONFIG_PATH, CONTEXT_NAME))?.server,
    apiReady: ready,
    nodes,
    components,
    totalRssKiB: components.reduce((sum, c) => sum + (c.rssKiB ?? 0), 0),
    workdir: CLUSTER_WORKDIR,
    podsDir: PODS_DIR,
  };
}

function mib(kib: number | undefined): string {
  return kib === undefined ? "-" : `${(kib / 1024).toFixed(1)} MiB`;
}

/** Human-readable form of {@linkcode ClusterStatus}. */
export function formatStatus(status: ClusterStatus): string {
  const lines = [
    `cluster:    ${status.name} (${status.state})`,
    `kubeconfig: ${status.kubeconfigPath} (context ${status.context})`,
    `apiserver:  ${status.server ?? "-"} ${status.apiReady ? "ready" : "not answering"}`,
    `workdir:    ${status.workdir}`,
    `pods:       ${status.podsDir}/<namespace>/<pod>/`,
    `nodes:      ${
      status.nodes.length ? status.nodes.map((n) => `${n.name} Ready=${n.ready}`).join(", ") : "-"
    }`,
    "",
    `${"COMPONENT".padEnd(26)}${"PID".padEnd(9)}${"STATE".padEnd(10)}${"PORT".padEnd(8)}RSS`,
  ];
  for (const c of status.components) {
    lines.push(
      `${c.name.padEnd(26)}${String(c.pid ?? "-").padEnd(9)}${
        (c.running ? "running" : "stopped").padEnd(10)
      }${String(c.port ?? "-").padEnd(8)}${mib(c.rssKiB)}`,
    );
  }
  lines.push(`${"total".padEnd(53)}${mib(status.totalRssKiB)}`);
  return lines.join("\n");
}

async function main(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  try {
    switch (verb) {
      case "up": {
        const result = await ensureCluster();
        const how = result.started ? "started" : "reused";
        console.error(`cluster ${how} in ${(result.elapsedMs / 1000).toFixed(1)}s`);
        console.log(KUBECONFIG_PATH);
        return 0;
      }
      case "down": {
        const started = Date.now();
        const stopped = await stopCluster();
        console.error(
          stopped
            ? `cluster ${CLUSTER_NAME} deleted in ${((Date.now() - started) / 1000).toFixed(1)}s`
            : `cluster ${CLUSTER_NAME} was not running`,
        );
        return 0;
      }
      case "status": {
        const status = await clusterStatus();
        console.log(
          rest.includes("--json") ? JSON.stringify(status, null, 2) : formatStatus(status),
        );
        return status.state === "running" ? 0 : 1;
      }
      default:
        console.error("usage: cluster.ts up | down | status [--json]");
        return 2;
    }
  } catch (e) {
    if (e instanceof ClusterError) {
      console.error(`error: ${e.message}\nhint: ${e.hint}`);
      return 1;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
