/**
 * What names one local kwok cluster, and where everything it writes lives.
 * The product's local default (`platform setup kwok`) and the test cluster
 * are two values of this one type: same code, their own name, port and
 * state directory.
 *
 * @module
 */
/** One local cluster. */
export interface LocalCluster {
  /** kwokctl's cluster name; the kubeconfig context is `kwok-<name>`. */
  name: string;
  /** The apiserver's port on 127.0.0.1. */
  port: number;
  /** Everything this cluster writes besides the kubeconfig: kwokctl's workdir, pod sandboxes, logs. */
  stateDir: string;
  /** The kubeconfig written for it (client certificate, never ~/.kube/config). */
  kubeconfigPath: string;
  /** Where the control-plane binaries are (built by the build script when missing). */
  binDir: string;
}

/**
 * This module's directory as a local path: what node:url's fileURLToPath
 * gives, without loading node:url (some 5 ms of every CLI start-up, since
 * the cluster registry imports this module).
 */
const HERE: string = import.meta.dirname!;
const SEPARATOR = Deno.build.os === "windows" ? "\\" : "/";

/** The repository (or installed source tree) this module belongs to. */
export const SOURCE_ROOT: string = HERE.replace(/[^\\/]+[\\/][^\\/]+[\\/][^\\/]+$/, "").replace(
  /\/$/,
  "",
);

/** The build script and the Go wrapper modules that pin every binary's version. */
export const BUILD_DIR: string = `${HERE}${SEPARATOR}build`;

/**
 * The binaries' default home, shared by every local cluster of this source
 * tree: the build is minutes long, so it happens once per machine.
 * PLATFORM_CLUSTER_CACHE moves it (the build script honours it too).
 */
export function defaultCacheDir(env: Record<string, string | undefined>): string {
  return env.PLATFORM_CLUSTER_CACHE ?? `${SOURCE_ROOT}/.cache/cluster`;
}

/** The paths derived from a {@linkcode LocalCluster}. */
export interface ClusterPaths {
  /** The kubeconfig context kwokctl writes. */
  context: string;
  /** KWOK_WORKDIR for kwokctl. */
  kwokWorkdir: string;
  /** kwokctl's directory for this cluster (kwok.yaml, pids/, logs/, pki/, etcd/). */
  clusterWorkdir: string;
  /** Component logs. */
  logsDir: string;
  /** Per-pod sandboxes: `<podsDir>/<namespace>/<pod>/`. */
  podsDir: string;
  /** The KwokctlConfiguration handed to `kwokctl create cluster`. */
  kwokctlConfig: string;
  sandboxerPid: string;
  /** Written by the sandboxer once its watches run. */
  sandboxerReady: string;
  sandboxerLog: string;
  /** Serialises start and stop of this cluster across processes. */
  lock: string;
}

/** Where a cluster's files are. Per-cluster files live under `<stateDir>/<name>/`. */
export function clusterPaths(cluster: LocalCluster): ClusterPaths {
  const own = `${cluster.stateDir}/${cluster.name}`;
  const kwokWorkdir = `${cluster.stateDir}/kwok`;
  const clusterWorkdir = `${kwokWorkdir}/clusters/${cluster.name}`;
  return {
    context: `kwok-${cluster.name}`,
    kwokWorkdir,
    clusterWorkdir,
    logsDir: `${clusterWorkdir}/logs`,
    podsDir: `${own}/pods`,
    kwokctlConfig: `${own}/kwokctl.json`,
    sandboxerPid: `${own}/sandboxer.pid`,
    sandboxerReady: `${own}/sandboxer.ready`,
    sandboxerLog: `${own}/sandboxer.log`,
    lock: `${own}/cluster.lock`,
  };
}

/** Environment variable through which the sandboxer process receives its cluster. */
export const CLUSTER_ENV = "PLATFORM_LOCAL_CLUSTER";
