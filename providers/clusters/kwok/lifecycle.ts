/**
 * Bringing a local cluster up and down: reuse a running one, start one whose
 * processes died (a reboot, a sleeping laptop), create one, build its
 * binaries first when they are missing; and delete it with whatever its pods
 * left running. Start and stop of one cluster are serialised by a lock file.
 *
 * @module
 */
import { PlatformError } from "../../../lib/errors.ts";
import { ensureBinaries } from "./binaries.ts";
import {
  apiReady,
  applyNode,
  healthy,
  NODE_NAME,
  nodeReadiness,
  releaseNodeLease,
} from "./health.ts";
import { forgetClient } from "./kube_api.ts";
import {
  createArgv,
  deleteArgv,
  runKwokctl,
  startArgv,
  writeKwokctlConfiguration,
} from "./kwokctl.ts";
import { clusterPaths, type LocalCluster } from "./local_cluster.ts";
import { killPodProcesses } from "./pod_processes.ts";
import {
  delay,
  exists,
  type Logger,
  readPid,
  removePath,
  stderrLogger,
  terminate,
  withLock,
} from "./processes.ts";
import { ensureSandboxer, stopSandboxer } from "./sandboxer_process.ts";

/** Options of {@linkcode ensureCluster}. */
export interface EnsureOptions {
  /** Progress lines; default stderr. */
  log?: Logger;
  /** How long to wait for the API and the node after starting; default 120 s. */
  readyTimeoutMs?: number;
}

/** What {@linkcode ensureCluster} did. */
export interface EnsureResult {
  /** What it had to do: "reused", "started" (processes were gone) or "created". */
  action: "reused" | "started" | "created";
  /** Whether the pod sandboxer had to be started (it had died, or the cluster is new). */
  sandboxerStarted: boolean;
  elapsedMs: number;
}

/** Whether kwokctl has this cluster (running or not). */
export function clusterExists(cluster: LocalCluster): Promise<boolean> {
  return exists(`${clusterPaths(cluster).clusterWorkdir}/kwok.yaml`);
}

/**
 * Makes sure the cluster is up and usable: reuses a healthy one (a couple of
 * cheap requests), otherwise builds what is missing, starts or creates it,
 * creates the node, starts the sandboxer and waits until the API answers and
 * the node is Ready. Throws a PlatformError with the reason and a hint.
 */
export async function ensureCluster(
  cluster: LocalCluster,
  options: EnsureOptions = {},
): Promise<EnsureResult> {
  const log = options.log ?? stderrLogger;
  const started = Date.now();
  const reuse = async () => {
    const sandboxerStarted = await ensureSandboxer(cluster, log);
    return { action: "reused" as const, sandboxerStarted, elapsedMs: Date.now() - started };
  };
  if (await healthy(cluster)) return await reuse();
  const paths = clusterPaths(cluster);
  return await withLock(
    paths.lock,
    { log, what: `starting or stopping the cluster ${cluster.name}`, waitMs: 40 * 60_000 },
    async () => {
      if (await healthy(cluster)) return await reuse();
      await ensureBinaries(cluster.binDir, log);
      let action: EnsureResult["action"] = "reused";
      if (!(await apiReady(cluster))) action = await startOrCreate(cluster, log);
      const timeout = options.readyTimeoutMs ?? 120_000;
      await waitFor(cluster, "the apiserver to answer /readyz", timeout, () => apiReady(cluster));
      if (action === "started") await releaseNodeLease(cluster);
      await applyNode(cluster);
      const sandboxerStarted = await ensureSandboxer(cluster, log);
      await waitFor(
        cluster,
        `node ${NODE_NAME} to be Ready`,
        timeout,
        async () => (await nodeReadiness(cluster))?.get(NODE_NAME) === "True",
      );
      const elapsedMs = Date.now() - started;
      log(`cluster ${cluster.name} is up (${(elapsedMs / 1000).toFixed(1)}s)`);
      return { action, sandboxerStarted, elapsedMs };
    },
  );
}

async function startOrCreate(
  cluster: LocalCluster,
  log: Logger,
): Promise<"started" | "created"> {
  if (await clusterExists(cluster)) {
    // Left by a crash or a reboot: etcd's data and the certificates are
    // there, so starting is quicker than creating, and keeps what was in it.
    log(`starting the stopped cluster ${cluster.name}`);
    // kwokctl skips a component whose pid is still alive; one still shutting
    // down (the apiserver takes seconds) would then be missing.
    await stopLeftoverComponents(cluster, log);
    const result = await runKwokctl(cluster, startArgv(cluster), log);
    if (
      result.code === 0 &&
      await waitFor(cluster, "the apiserver", 60_000, () => apiReady(cluster)).then(
        () => true,
        () => false,
      )
    ) {
      return "started";
    }
    log(`could not start the existing cluster ${cluster.name}; deleting and creating it again`);
    await runKwokctl(cluster, deleteArgv(cluster), log);
  }
  assertPortFree(cluster.port);
  await writeKwokctlConfiguration(cluster);
  log(`creating cluster ${cluster.name} (apiserver https://127.0.0.1:${cluster.port})`);
  const result = await runKwokctl(cluster, createArgv(cluster), log);
  if (result.code !== 0) {
    throw new PlatformError(
      `kwokctl create cluster failed (exit ${result.code}):\n${result.tail}`,
      {
        hint: `component logs are in ${clusterPaths(cluster).logsDir}; ` +
          "deleting the cluster (platform destroy, or cluster:down for the test cluster) clears a half-created one",
      },
    );
  }
  return "created";
}

/** Stops whatever control-plane processes of an unhealthy cluster still run, and waits for them. */
async function stopLeftoverComponents(cluster: LocalCluster, log: Logger): Promise<void> {
  const pidsDir = `${clusterPaths(cluster).clusterWorkdir}/pids`;
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(pidsDir));
  } catch {
    return;
  }
  await Promise.all(
    entries.filter((e) => e.name.endsWith(".pid")).map(async (entry) => {
      const pid = await readPid(`${pidsDir}/${entry.name}`);
      if (pid === undefined || !(await exists(`/proc/${pid}`))) return;
      log(`stopping leftover ${entry.name.replace(/\.pid$/, "")} (pid ${pid})`);
      await terminate(pid, 15_000);
    }),
  );
}

function assertPortFree(port: number): void {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
  } catch (e) {
    throw new PlatformError(
      `port ${port} on 127.0.0.1 is already in use, so the apiserver cannot listen there`,
      {
        hint: "stop what uses it, or pick another port (PLATFORM_KWOK_PORT for platform setup, " +
          "PLATFORM_TEST_APISERVER_PORT for the test cluster)",
        cause: e,
      },
    );
  }
}

async function waitFor(
  cluster: LocalCluster,
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await delay(250);
  }
  throw new PlatformError(`timed out after ${timeoutMs / 1000}s waiting for ${what}`, {
    hint: `component logs are in ${clusterPaths(cluster).logsDir}`,
  });
}

/**
 * Stops the sandboxer, deletes the cluster, stops what its pods left running
 * and removes their sandboxes. Returns false when there was nothing.
 */
export async function stopCluster(
  cluster: LocalCluster,
  options: { log?: Logger } = {},
): Promise<boolean> {
  const log = options.log ?? stderrLogger;
  const paths = clusterPaths(cluster);
  return await withLock(
    paths.lock,
    { log, what: `starting or stopping the cluster ${cluster.name}`, waitMs: 40 * 60_000 },
    async () => {
      const hadSandboxer = await stopSandboxer(cluster, log);
      const hadCluster = await exists(paths.clusterWorkdir);
      if (hadCluster) {
        const result = await runKwokctl(cluster, deleteArgv(cluster), log);
        if (result.code !== 0) {
          throw new PlatformError(
            `kwokctl delete cluster failed (exit ${result.code}):\n${result.tail}`,
            {
              hint:
                `kill the pids in ${paths.clusterWorkdir}/pids, then remove ${paths.clusterWorkdir}`,
            },
          );
        }
      }
      // Processes started through exec in a pod outlive the exec stream when
      // backgrounded; they must not keep ports after the cluster is gone.
      const killed = await killPodProcesses((p) => p.podDir.startsWith(`${paths.podsDir}/`));
      if (killed.length > 0) log(`stopped ${killed.length} process(es) left by pods`);
      await removePath(paths.podsDir);
      await removePath(paths.kwokctlConfig);
      await removePath(paths.sandboxerLog);
      await removePath(cluster.kubeconfigPath);
      forgetClient();
      return hadCluster || hadSandboxer;
    },
  );
}
