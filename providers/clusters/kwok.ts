/**
 * The local default: a real control plane (etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler) as local processes, kwok for the
 * node, and a sandboxer that gives every pod a directory, an address and a
 * log file on this machine, so exec, port-forward and logs work and a dev
 * session runs for real. No Docker, nothing downloaded: the binaries are
 * built from the Go module proxy on first use. The implementation is
 * kwok/; the test cluster is the same code with its own name and port.
 */
import { PlatformError } from "../../lib/errors.ts";
import {
  BINARIES,
  buildArgv,
  COLD_BUILD_ESTIMATE,
  ensureBinaries,
  haveGo,
  missingBinaries,
  missingError,
} from "./kwok/binaries.ts";
import { createArgv, deleteArgv } from "./kwok/kwokctl.ts";
import { defaultCacheDir, type LocalCluster } from "./kwok/local_cluster.ts";
import { LOCAL_INGRESS } from "./ingress_address.ts";
import { localSecretStore } from "./local_secret_store.ts";
import type { ClusterProvider, PlannedCommand, ProviderContext } from "./provider.ts";
import { lazy } from "../../lib/lazy.ts";

/** The test cluster has 26443; this default keeps a local platform cluster beside it. */
const DEFAULT_PORT = 26444;

function port(context: ProviderContext): number {
  const raw = context.env.PLATFORM_KWOK_PORT;
  if (raw === undefined || raw === "") return DEFAULT_PORT;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new PlatformError(`PLATFORM_KWOK_PORT=${raw} is not a port number`, {
      hint: `set it to a free TCP port such as ${DEFAULT_PORT}, or unset it`,
      exitCode: 2,
    });
  }
  return value;
}

/** The local cluster a provider context names. */
export function localCluster(context: ProviderContext): LocalCluster {
  return {
    name: context.clusterName,
    port: port(context),
    // Beside the .env and kubeconfig setup writes (git-ignored as .platform/).
    stateDir: context.env.PLATFORM_KWOK_WORKDIR ?? `${context.cwd}/.platform`,
    kubeconfigPath: context.kubeconfigPath,
    binDir: context.env.PLATFORM_KWOK_BIN_DIR ?? `${defaultCacheDir(context.env)}/bin`,
  };
}

function missingNow(binDir: string): string[] {
  return BINARIES.filter((name) => {
    try {
      Deno.statSync(`${binDir}/${name}`);
      return false;
    } catch {
      return true;
    }
  });
}

const lifecycle = () =>
  lazy<typeof import("./kwok/lifecycle.ts")>("./kwok/lifecycle.ts", import.meta.url);

const log = (context: ProviderContext) => (line: string) => context.reporter.info(line);

/** The kwok provider. */
export const kwokProvider: ClusterProvider = {
  name: "kwok",
  description:
    "local cluster: a real control plane as local processes, kwok for the nodes (no Docker)",
  cloud: false,
  createsCluster: true,
  // kwok's nodes run no containers, so Crossplane installs nothing here: plain manifests.
  servesClaims: false,
  confirmDestroy: false,
  loadBalancer: false,
  secretStore: localSecretStore,
  kubeconfigPath: (cwd) => `${cwd}/kubeconfig.yaml`,

  async preflight(context, purpose = "setup") {
    const cluster = localCluster(context);
    const missing = await missingBinaries(cluster.binDir);
    if (!missing.length) return;
    // Nothing to delete without a cluster: no reason to build for minutes.
    if (purpose === "destroy" && !(await (await lifecycle()).clusterExists(cluster))) return;
    if (!(await haveGo())) throw missingError(cluster.binDir, missing);
    // Built here, not in the cluster step: helm, checked next, is one of them.
    await ensureBinaries(cluster.binDir, log(context));
  },

  // The lifecycle (and the YAML parser under it) loads only when a cluster is touched.
  exists: async (context) => (await lifecycle()).clusterExists(localCluster(context)),

  async ensureRunning(context) {
    const { ensureCluster } = await lifecycle();
    const result = await ensureCluster(localCluster(context), { log: log(context) });
    if (result.action !== "reused") return `${result.action} again (its processes had stopped)`;
    return result.sandboxerStarted ? "pod sandboxer started again" : undefined;
  },

  createPlan(context): PlannedCommand[] {
    const cluster = localCluster(context);
    const plan: PlannedCommand[] = [];
    const missing = missingNow(cluster.binDir);
    if (missing.length) {
      plan.push({
        argv: buildArgv(cluster.binDir),
        why: `build ${missing.join(", ")} from the Go module proxy (${COLD_BUILD_ESTIMATE})`,
      });
    }
    plan.push({
      argv: createArgv(cluster),
      why:
        `create the kwok cluster ${cluster.name} (apiserver https://127.0.0.1:${cluster.port}, ` +
        `binaries from ${cluster.binDir}), then its node and the pod sandboxer`,
    });
    return plan;
  },

  destroyPlan(context): PlannedCommand[] {
    const cluster = localCluster(context);
    return [{
      argv: deleteArgv(cluster),
      why: `delete the kwok cluster ${cluster.name}, its pod sandboxes and what they left running`,
    }];
  },

  async create(context) {
    await (await lifecycle()).ensureCluster(localCluster(context), { log: log(context) });
  },

  async destroy(context) {
    const cluster = localCluster(context);
    await (await lifecycle()).stopCluster(cluster, { log: log(context) });
    // Directories left empty (non-recursive removal keeps anything else).
    for (
      const dir of [`${cluster.stateDir}/${cluster.name}`, `${cluster.stateDir}/kwok/clusters`]
    ) {
      await Deno.remove(dir).catch(() => {});
    }
    await Deno.remove(`${cluster.stateDir}/kwok`).catch(() => {});
    await Deno.remove(cluster.stateDir).catch(() => {});
  },

  ingressAddress: () => Promise.resolve(LOCAL_INGRESS),
};
