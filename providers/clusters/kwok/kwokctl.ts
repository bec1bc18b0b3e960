/**
 * kwokctl, the one tool that creates, starts and deletes the control plane:
 * its configuration (written once, here) and how it is run.
 *
 * @module
 */
import { kubeVersion } from "./binaries.ts";
import { clusterPaths, type LocalCluster } from "./local_cluster.ts";
import { type Logger, runStreaming } from "./processes.ts";

/**
 * The KwokctlConfiguration: every binary a local path (a URL would be
 * downloaded), bound to 127.0.0.1, the secure port with a client-certificate
 * kubeconfig (exec and port-forward need an authenticated user), and kwok's
 * Exec/PortForward/Logs kinds served so the sandboxer can give each pod its
 * own directory, address and log file.
 */
export function kwokctlConfiguration(
  cluster: LocalCluster,
  version: string,
): Record<string, unknown> {
  const bin = (name: string) => `${cluster.binDir}/${name}`;
  return {
    apiVersion: "config.kwok.x-k8s.io/v1alpha1",
    kind: "KwokctlConfiguration",
    options: {
      runtime: "binary",
      kubeVersion: version,
      bindAddress: "127.0.0.1",
      kubeApiserverPort: cluster.port,
      securePort: true,
      kubeAuthorization: true,
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
      etcdBinary: bin("etcd"),
      kubeApiserverBinary: bin("kube-apiserver"),
      kubeControllerManagerBinary: bin("kube-controller-manager"),
      kubeSchedulerBinary: bin("kube-scheduler"),
      kubectlBinary: bin("kubectl"),
      kwokControllerBinary: bin("kwok"),
      cacheDir: `${clusterPaths(cluster).kwokWorkdir}/cache`,
    },
  };
}

/** Writes the configuration file `kwokctl create cluster --config` reads. */
export async function writeKwokctlConfiguration(cluster: LocalCluster): Promise<string> {
  const path = clusterPaths(cluster).kwokctlConfig;
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  const text = JSON.stringify(kwokctlConfiguration(cluster, await kubeVersion()), null, 2);
  await Deno.writeTextFile(path, `${text}\n`);
  return path;
}

/** The argv of `kwokctl create cluster` for this cluster (plans show it as it runs). */
export function createArgv(cluster: LocalCluster): string[] {
  return [
    `${cluster.binDir}/kwokctl`,
    "create",
    "cluster",
    "--name",
    cluster.name,
    "--config",
    clusterPaths(cluster).kwokctlConfig,
    "--kubeconfig",
    cluster.kubeconfigPath,
    "--timeout",
    "5m",
  ];
}

/** The argv of `kwokctl delete cluster`. */
export function deleteArgv(cluster: LocalCluster): string[] {
  return [
    `${cluster.binDir}/kwokctl`,
    "delete",
    "cluster",
    "--name",
    cluster.name,
    "--kubeconfig",
    cluster.kubeconfigPath,
  ];
}

/** The argv of `kwokctl start cluster` (processes gone, state kept). */
export function startArgv(cluster: LocalCluster): string[] {
  return [`${cluster.binDir}/kwokctl`, "start", "cluster", "--name", cluster.name];
}

/** kwokctl's environment: ours, minus any KWOK_* that would override the configuration. */
function kwokctlEnv(cluster: LocalCluster): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    if (!key.startsWith("KWOK_")) env[key] = value;
  }
  env.KWOK_WORKDIR = clusterPaths(cluster).kwokWorkdir;
  return env;
}

/** Runs one kwokctl argv, its output as short lines through `log`. */
export async function runKwokctl(
  cluster: LocalCluster,
  argv: string[],
  log: Logger,
): Promise<{ code: number; tail: string }> {
  return await runStreaming(argv[0], argv.slice(1), {
    env: kwokctlEnv(cluster),
    clearEnv: true,
    log,
    format: formatKwokctlLine,
  });
}

/** kwokctl logs JSON when not on a terminal; one short line per record reads better. */
export function formatKwokctlLine(line: string): string {
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
