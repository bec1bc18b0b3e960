/**
 * The sandboxer: a small controller that gives every pod on a kwok node its
 * own sandbox on this machine. kwok's fake kubelet runs `exec` locally,
 * forwards ports to local addresses and serves logs from local files, but its
 * rules have no templating, so one rule cannot say "this pod's directory".
 * The sandboxer watches pods and, for each pod bound to a kwok node, creates
 * with server-side apply three namespaced kwok objects named after the pod,
 * owned by it (so the garbage collector removes them with the pod):
 *
 * - Exec: work directory `<PODS_DIR>/<namespace>/<pod>/`, with POD_NAME,
 *   POD_NAMESPACE, POD_IP (the pod's loopback address), HOME (the pod
 *   directory) and the literal env values of the container's spec;
 * - PortForward: each containerPort P goes to `<POD_IP>:P`;
 * - Logs: container C's log is `<pod dir>/<C>.log` (CRI log format).
 *
 * When a pod is gone it stops the processes exec started for it and removes
 * its directory. Started detached by the local cluster (sandboxer_process.ts),
 * which hands it its {@linkcode LocalCluster} in PLATFORM_LOCAL_CLUSTER.
 *
 * @module
 */
import { join } from "node:path";
import { CLUSTER_ENV, clusterPaths, type LocalCluster } from "./local_cluster.ts";
import { apiClient, ApiError, apply, listWatch, type ObjectMeta } from "./kube_api.ts";
import { killPodProcesses, POD_DIR_ENV, POD_UID_ENV } from "./pod_processes.ts";

/** Field manager of everything the sandboxer applies. */
export const FIELD_MANAGER = "platform-sandboxer";
/** Node annotation kwok's default configuration uses to mark its fake nodes. */
export const KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node";
/** File in each pod directory recording which pod (by UID) it belongs to. */
export const SANDBOX_MARKER = ".sandbox.json";

/** Contents of {@linkcode SANDBOX_MARKER}. */
export interface SandboxMarker {
  namespace: string;
  name: string;
  uid: string;
  address: string;
}

/**
 * The pod's loopback address, 127.a.b.c with a in 1..254 and c in 1..254,
 * derived from the pod UID. Derived from the UID rather than the pod IP
 * because the UID exists as soon as the pod is bound to a node, so the
 * sandbox is in place before kwok marks the pod Ready (and before a test or a
 * session driver sees its Deployment Available and execs into it). Never in
 * 127.0.0.0/16, where 127.0.0.1 and the /etc/hosts entries live.
 */
export function podAddress(uid: string): string {
  // FNV-1a, 32 bits: deterministic, synchronous and spread enough for the
  // few hundred pods a test run creates.
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(uid)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const a = 1 + ((hash >>> 16) & 0xff) % 254;
  const b = (hash >>> 8) & 0xff;
  const c = 1 + (hash & 0xff) % 254;
  return `127.${a}.${b}.${c}`;
}

/** Absolute directory of a pod's sandbox. */
export function podDirectory(podsDir: string, namespace: string, name: string): string {
  return join(podsDir, namespace, name);
}

/** Absolute path of a container's log file in CRI format. */
export function containerLogPath(
  podsDir: string,
  namespace: string,
  pod: string,
  container: string,
): string {
  return join(podDirectory(podsDir, namespace, pod), `${container}.log`);
}

// Variables the host must keep: the command runs here, not in the image.
const HOST_ONLY_ENV = new Set(["PATH", "HOME", POD_UID_ENV, POD_DIR_ENV]);

/** The parts of a container the sandboxer reads. */
export interface Container {
  name: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  ports?: { containerPort: number; protocol?: string }[];
}

/** The parts of a Pod the sandboxer reads. */
export interface Pod {
  metadata: ObjectMeta;
  spec?: { nodeName?: string; containers?: Container[]; initContainers?: Container[] };
}

interface Node {
  metadata: ObjectMeta;
}

/** An object the sandboxer applies. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    ownerReferences: unknown[];
  };
  spec: Record<string, unknown>;
}

const KWOK_API = "/apis/kwok.x-k8s.io/v1alpha1";
const PLURALS: Record<string, string> = {
  Exec: "execs",
  PortForward: "portforwards",
  Logs: "logs",
};

/** The Exec, PortForward and Logs objects for a pod; pure, so it is unit-tested. */
export function sandboxObjects(pod: Pod, podsDir: string): Manifest[] {
  const { namespace = "default", name, uid } = pod.metadata;
  const dir = podDirectory(podsDir, namespace, name);
  const address = podAddress(uid);
  const metadata = {
    name,
    namespace,
    labels: { "app.kubernetes.io/managed-by": FIELD_MANAGER },
    ownerReferences: [{ apiVersion: "v1", kind: "Pod", name, uid }],
  };
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const base = [
    { name: "POD_NAME", value: name },
    { name: "POD_NAMESPACE", value: namespace },
    { name: "POD_IP", value: address },
    { name: "POD_UID", value: uid },
    { name: POD_DIR_ENV, value: dir },
    { name: "NODE_NAME", value: pod.spec?.nodeName ?? "" },
    { name: "HOSTNAME", value: name },
    { name: "HOME", value: dir },
    { name: POD_UID_ENV, value: uid },
  ];
  const literalEnv = (container: Container) =>
    (container.env ?? [])
      .filter((e) => e.value !== undefined && !e.valueFrom && !HOST_ONLY_ENV.has(e.name))
      .map((e) => ({ name: e.name, value: e.value ?? "" }));
  const exec: Manifest = {
    apiVersion: "kwok.x-k8s.io/v1alpha1",
    kind: "Exec",
    metadata,
    spec: {
      execs: [
        // Ours come last so they win over a container's own POD_IP and friends.
        ...containers.map((c) => ({
          containers: [c.name],
          local: { workDir: dir, envs: [...literalEnv(c), ...base] },
        })),
        // The default for any other container name (ephemeral debug containers).
        { local: { workDir: dir, envs: base } },
      ],
    },
  };
  const ports = [
    ...new Set(
      containers.flatMap((c) =>
        (c.ports ?? []).filter((p) => (p.protocol ?? "TCP") === "TCP").map((p) => p.containerPort)
      ),
    ),
  ].sort((x, y) => x - y);
  const portForward: Manifest = {
    apiVersion: "kwok.x-k8s.io/v1alpha1",
    kind: "PortForward",
    metadata,
    spec: { forwards: ports.map((port) => ({ ports: [port], target: { address, port } })) },
  };
  const logs: Manifest = {
    apiVersion: "kwok.x-k8s.io/v1alpha1",
    kind: "Logs",
    metadata,
    spec: {
      logs: containers.map((c) => ({
        containers: [c.name],
        logsFile: containerLogPath(podsDir, namespace, name, c.name),
        follow: true,
      })),
    },
  };
  return [exec, portForward, logs];
}

// ---------------------------------------------------------------- the controller

let logFile: Deno.FsFile | undefined;
function log(message: string): void {
  const line = `${new Date().toISOString()} ${message}\n`;
  if (logFile) logFile.writeSync(new TextEncoder().encode(line));
  else console.error(line.trimEnd());
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

class Sandboxer {
  readonly #podsDir: string;
  readonly #kubeconfig: string;
  readonly #context: string;
  /** UIDs whose sandbox is in place. */
  readonly #done = new Set<string>();
  readonly #kwokNodes = new Set<string>();
  /** Current pods by UID, as last seen by the watch. */
  readonly #pods = new Map<string, Pod>();
  #podsSynced = false;
  readonly #queue: (() => Promise<void>)[] = [];
  #draining = false;
  readonly #stop = new AbortController();

  constructor(cluster: LocalCluster) {
    const paths = clusterPaths(cluster);
    this.#podsDir = paths.podsDir;
    this.#kubeconfig = cluster.kubeconfigPath;
    this.#context = paths.context;
  }

  #client() {
    return apiClient(this.#kubeconfig, this.#context);
  }

  /** Starts the watches; resolves once nodes and pods have been listed once. */
  async start(): Promise<void> {
    let nodesListed!: () => void;
    let podsListed!: () => void;
    const listed = Promise.all([
      new Promise<void>((resolve) => nodesListed = resolve),
      new Promise<void>((resolve) => podsListed = resolve),
    ]);
    const onNode = (node: Node) => {
      const name = node.metadata.name;
      if (node.metadata.annotations?.[KWOK_NODE_ANNOTATION] === "fake") {
        const isNew = !this.#kwokNodes.has(name);
        this.#kwokNodes.add(name);
        // Pods may have been seen before their node: look at them again.
        if (isNew) { for (const pod of this.#pods.values()) this.#enqueuePod(pod); }
      } else {
        this.#kwokNodes.delete(name);
      }
    };
    void listWatch<Node>(() => this.#client(), "/api/v1/nodes", {
      synced: (nodes) => {
        this.#kwokNodes.clear();
        nodes.forEach(onNode);
        nodesListed();
      },
      added: onNode,
      modified: onNode,
      deleted: (node) => void this.#kwokNodes.delete(node.metadata.name),
      error: (message) => log(message),
    }, this.#stop.signal);

    void listWatch<Pod>(() => this.#client(), "/api/v1/pods", {
      synced: (pods) => {
        const seen = new Set(pods.map((p) => p.metadata.uid));
        // Gone while we were not watching (or the watch was restarted).
        for (const [uid, pod] of this.#pods) {
          if (!seen.has(uid)) {
            this.#pods.delete(uid);
            this.#enqueue(() => this.#removeSandbox(pod));
          }
        }
        for (const pod of pods) {
          this.#pods.set(pod.metadata.uid, pod);
          this.#enqueuePod(pod);
        }
        this.#podsSynced = true;
        podsListed();
      },
      added: (pod) => this.#onPod(pod),
      modified: (pod) => this.#onPod(pod),
      deleted: (pod) => {
        this.#pods.delete(pod.metadata.uid);
        this.#enqueue(() => this.#removeSandbox(pod));
      },
      error: (message) => log(message),
    }, this.#stop.signal);
    await listed;
    // Pod directories whose pod vanished while no sandboxer ran; queued, so
    // it never sees a directory that a sandbox task has only half written.
    this.#enqueue(() => this.#sweep());
    setInterval(() => this.#enqueue(() => this.#sweep()), 30_000);
  }

  stop(): void {
    this.#stop.abort();
  }

  #onPod(pod: Pod): void {
    this.#pods.set(pod.metadata.uid, pod);
    this.#enqueuePod(pod);
  }

  #enqueuePod(pod: Pod): void {
    const uid = pod.metadata.uid;
    if (this.#done.has(uid) || pod.metadata.deletionTimestamp) return;
    const node = pod.spec?.nodeName;
    if (!node || !this.#kwokNodes.has(node)) return;
    this.#enqueue(() => this.#ensureSandbox(pod));
  }

  // One worker: a pod's delete and a re-created pod of the same name must not
  // interleave on the same directory.
  #enqueue(task: () => Promise<void>): void {
    this.#queue.push(task);
    if (this.#draining) return;
    this.#draining = true;
    (async () => {
      while (this.#queue.length > 0) {
        const next = this.#queue.shift()!;
        await next().catch((e) => log(`task failed: ${errorText(e)}`));
      }
      this.#draining = false;
    })();
  }

  async #ensureSandbox(pod: Pod, attempt = 1): Promise<void> {
    const { namespace = "default", name, uid } = pod.metadata;
    if (this.#done.has(uid) || !this.#pods.has(uid)) return;
    const dir = podDirectory(this.#podsDir, namespace, name);
    const marker: SandboxMarker = { namespace, name, uid, address: podAddress(uid) };
    try {
      await Deno.mkdir(dir, { recursive: true });
      await Deno.writeTextFile(join(dir, SANDBOX_MARKER), JSON.stringify(marker) + "\n");
      const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
      for (const c of containers) {
        // Appending nothing creates the file without truncating what is there.
        await Deno.writeTextFile(containerLogPath(this.#podsDir, namespace, name, c.name), "", {
          append: true,
        });
      }
      const client = await this.#client();
      if (!client) throw new Error(`no usable kubeconfig at ${this.#kubeconfig}`);
      await Promise.all(
        sandboxObjects(pod, this.#podsDir).map((object) =>
          apply(
            client,
            `${KWOK_API}/namespaces/${namespace}/${PLURALS[object.kind]}/${name}`,
            object,
            FIELD_MANAGER,
          )
        ),
      );
    } catch (e) {
      // The namespace going away (403/404) is final; anything else is
      // retried with a growing delay.
      const status = e instanceof ApiError ? e.status : 0;
      if (status === 404 || status === 403 || attempt >= 8) {
        log(`sandbox ${namespace}/${name} not applied (attempt ${attempt}): ${errorText(e)}`);
        return;
      }
      setTimeout(
        () => this.#enqueue(() => this.#ensureSandbox(pod, attempt + 1)),
        250 * 2 ** attempt,
      );
      return;
    }
    this.#done.add(uid);
    log(`sandbox ${namespace}/${name} ready at ${dir} (address ${marker.address})`);
  }

  async #removeSandbox(pod: Pod): Promise<void> {
    const { namespace = "default", name, uid } = pod.metadata;
    this.#done.delete(uid);
    await this.#removeDirectory(podDirectory(this.#podsDir, namespace, name), uid);
  }

  /** Removes a pod directory, but only if it still belongs to that UID (a new pod may have the same name). */
  async #removeDirectory(dir: string, uid: string): Promise<void> {
    const marker = await readMarker(dir);
    if (marker && marker.uid !== uid) return;
    const killed = uid ? await killPodProcesses((p) => p.podUid === uid) : [];
    try {
      await Deno.stat(dir);
    } catch {
      return;
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    // Drop the namespace directory once its last pod is gone.
    await Deno.remove(join(dir, "..")).catch(() => {});
    log(`sandbox ${dir} removed${killed.length ? `, stopped pids ${killed.join(" ")}` : ""}`);
  }

  async #sweep(): Promise<void> {
    // Before the first successful list every directory would look orphaned.
    if (!this.#podsSynced) return;
    const live = new Set(this.#pods.keys());
    let namespaces: Deno.DirEntry[];
    try {
      namespaces = await Array.fromAsync(Deno.readDir(this.#podsDir));
    } catch {
      return;
    }
    for (const ns of namespaces.filter((e) => e.isDirectory)) {
      for await (const entry of Deno.readDir(join(this.#podsDir, ns.name))) {
        if (!entry.isDirectory) continue;
        const dir = join(this.#podsDir, ns.name, entry.name);
        const marker = await readMarker(dir);
        if (!marker || !live.has(marker.uid)) await this.#removeDirectory(dir, marker?.uid ?? "");
      }
    }
    // Processes of pods that are gone, even if their directory was removed by hand.
    const stale = await killPodProcesses((p) =>
      p.podDir.startsWith(`${this.#podsDir}/`) && !live.has(p.podUid)
    );
    if (stale.length) log(`stopped pids ${stale.join(" ")} of pods that are gone`);
  }
}

async function readMarker(dir: string): Promise<SandboxMarker | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(join(dir, SANDBOX_MARKER))) as SandboxMarker;
  } catch {
    return undefined;
  }
}

/** Runs the sandboxer for the cluster named in PLATFORM_LOCAL_CLUSTER until SIGTERM. */
export async function main(): Promise<void> {
  const cluster = JSON.parse(Deno.env.get(CLUSTER_ENV) ?? "null") as LocalCluster | null;
  if (!cluster?.kubeconfigPath) throw new Error(`${CLUSTER_ENV} does not name a cluster`);
  const paths = clusterPaths(cluster);
  await Deno.mkdir(paths.podsDir, { recursive: true });
  logFile = await Deno.open(paths.sandboxerLog, { create: true, append: true });
  globalThis.addEventListener("unhandledrejection", (event) => {
    log(`unhandled rejection: ${errorText(event.reason)}`);
    event.preventDefault();
  });
  log(`sandboxer starting (pid ${Deno.pid}) for ${cluster.name}, pods in ${paths.podsDir}`);
  const sandboxer = new Sandboxer(cluster);
  const shutdown = async (signal: string) => {
    log(`sandboxer stopping on ${signal}`);
    await Deno.remove(paths.sandboxerReady).catch(() => {});
    sandboxer.stop();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));
  Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
  await sandboxer.start();
  await Deno.writeTextFile(paths.sandboxerReady, `${Deno.pid}\n`);
  log("sandboxer watching pods");
  // A cluster deleted behind its back (its workdir removed, its processes killed) leaves nothing
  // to watch: the sandboxer goes too, rather than poll a dead API server for ever.
  setInterval(() => {
    try {
      Deno.statSync(`${paths.clusterWorkdir}/kwok.yaml`);
    } catch {
      void shutdown("its cluster is gone");
    }
  }, 30_000);
}

if (import.meta.main) {
  try {
    await main();
  } catch (e) {
    log(`sandboxer failed: ${errorText(e)}${e instanceof Error && e.stack ? `\n${e.stack}` : ""}`);
    Deno.exit(1);
  }
}
