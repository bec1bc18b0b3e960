/**
 * A local cluster's state as a record: components with pids, ports and
 * memory, node readiness, where its files are. Read from kwokctl's saved
 * configuration, the pid files, /proc and the API.
 *
 * @module
 */
import { parseYamlStream } from "../../../lib/yaml.ts";
import { apiReady, NODE_NAME, nodeReadiness } from "./health.ts";
import { apiClient } from "./kube_api.ts";
import { clusterPaths, type LocalCluster } from "./local_cluster.ts";
import { readPid, rssKiB } from "./processes.ts";
import { sandboxerPid } from "./sandboxer_process.ts";

/** One process of the cluster. */
export interface ComponentStatus {
  name: string;
  pid?: number;
  running: boolean;
  rssKiB?: number;
  port?: number;
}

/** The state of a local cluster. */
export interface ClusterStatus {
  /** running: API ready, node Ready, every process up; degraded: some of that; stopped: created but down; absent. */
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
  components?: { name: string; binary?: string; ports?: { port: number; hostPort?: number }[] }[];
}

/** The state of `cluster`. */
export async function clusterStatus(cluster: LocalCluster): Promise<ClusterStatus> {
  const paths = clusterPaths(cluster);
  let saved: SavedConfiguration | undefined;
  try {
    const file = `${paths.clusterWorkdir}/kwok.yaml`;
    saved = (parseYamlStream(await Deno.readTextFile(file), file) as SavedConfiguration[])
      .find((d) => d?.kind === "KwokctlConfiguration");
  } catch {
    saved = undefined;
  }
  const components: ComponentStatus[] = [];
  for (const component of saved?.components ?? []) {
    const binaryName = (component.binary ?? component.name).split("/").pop() ?? component.name;
    const pid = await readPid(`${paths.clusterWorkdir}/pids/${binaryName}.pid`);
    const rss = pid === undefined ? undefined : await rssKiB(pid);
    components.push({
      name: component.name,
      pid,
      running: rss !== undefined,
      rssKiB: rss,
      port: component.ports?.[0]?.hostPort || component.ports?.[0]?.port,
    });
  }
  const sPid = await sandboxerPid(cluster);
  const sRss = sPid === undefined ? undefined : await rssKiB(sPid);
  components.push({ name: "sandboxer", pid: sPid, running: sRss !== undefined, rssKiB: sRss });

  const ready = saved ? await apiReady(cluster) : false;
  const readiness = ready ? await nodeReadiness(cluster) : undefined;
  const nodes = [...(readiness ?? new Map<string, string>())].map(([name, r]) => ({
    name,
    ready: r,
  }));
  let state: ClusterStatus["state"] = "absent";
  if (saved) {
    const nodeReady = nodes.some((n) => n.name === NODE_NAME && n.ready === "True");
    if (ready && nodeReady && components.every((c) => c.running)) state = "running";
    else if (ready || components.some((c) => c.running)) state = "degraded";
    else state = "stopped";
  }
  return {
    state,
    name: cluster.name,
    kubeconfigPath: cluster.kubeconfigPath,
    context: paths.context,
    server: (await apiClient(cluster.kubeconfigPath, paths.context))?.server,
    apiReady: ready,
    nodes,
    components,
    totalRssKiB: components.reduce((sum, c) => sum + (c.rssKiB ?? 0), 0),
    workdir: paths.clusterWorkdir,
    podsDir: paths.podsDir,
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
