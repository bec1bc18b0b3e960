/**
 * The local default: a kwok cluster whose control plane (etcd,
 * kube-apiserver, kube-controller-manager, kube-scheduler) runs as local
 * processes. No Docker, nothing downloaded: every binary is a local path,
 * by default the ones `./denow task cluster:build` built.
 */
import { PlatformError } from "../../lib/errors.ts";
import { Kube } from "../../lib/kube/client.ts";
import { run, which } from "../../lib/run.ts";
import { definedEnv } from "./plan_runner.ts";
import type { ClusterProvider, PlannedCommand, ProviderContext } from "./provider.ts";

const BINARIES = [
  "kwokctl",
  "kwok",
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubectl",
];
const DEFAULT_BIN_DIR = new URL("../../.cache/cluster/bin", import.meta.url).pathname;

/** Directory holding the kwok and Kubernetes binaries. */
export function kwokBinDir(context: ProviderContext): string {
  return context.env.PLATFORM_KWOK_BIN_DIR ?? DEFAULT_BIN_DIR;
}

function workdir(context: ProviderContext): string {
  return context.env.PLATFORM_KWOK_WORKDIR ?? `${context.cwd}/.platform/kwok`;
}

function port(context: ProviderContext): number {
  return Number(context.env.PLATFORM_KWOK_PORT ?? 26444);
}

function configPath(context: ProviderContext): string {
  return `${workdir(context)}/${context.clusterName}.kwokctl.json`;
}

function kwokEnv(context: ProviderContext): Record<string, string> {
  return { ...definedEnv(context.env), KWOK_WORKDIR: workdir(context) };
}

/** The kwokctl configuration: local binaries only, 127.0.0.1, the certificate kubeconfig. */
export function kwokctlConfiguration(
  context: ProviderContext,
  kubeVersion: string,
): Record<string, unknown> {
  const bin = kwokBinDir(context);
  return {
    apiVersion: "config.kwok.x-k8s.io/v1alpha1",
    kind: "KwokctlConfiguration",
    options: {
      runtime: "binary",
      kubeVersion,
      bindAddress: "127.0.0.1",
      kubeApiserverPort: port(context),
      securePort: true,
      kubeAuthorization: true,
      etcdBinary: `${bin}/etcd`,
      kubeApiserverBinary: `${bin}/kube-apiserver`,
      kubeControllerManagerBinary: `${bin}/kube-controller-manager`,
      kubeSchedulerBinary: `${bin}/kube-scheduler`,
      kubectlBinary: `${bin}/kubectl`,
      kwokControllerBinary: `${bin}/kwok`,
      cacheDir: `${workdir(context)}/cache`,
    },
  };
}

/** The kwok provider. */
export const kwokProvider: ClusterProvider = {
  name: "kwok",
  description:
    "local cluster: a real control plane as local processes, kwok for the nodes (no Docker)",
  cloud: false,
  fixedIngressHost: "127.0.0.1.nip.io",

  async preflight(context) {
    const bin = kwokBinDir(context);
    const missing: string[] = [];
    for (const name of BINARIES) if (!(await which(`${bin}/${name}`))) missing.push(name);
    if (missing.length) {
      throw new PlatformError(`the kwok provider needs ${missing.join(", ")} in ${bin}`, {
        hint: "run ./denow task cluster:build (builds them from the Go module proxy), " +
          "or set PLATFORM_KWOK_BIN_DIR to a directory that has them",
      });
    }
  },

  async exists(context) {
    const result = await run([`${kwokBinDir(context)}/kwokctl`, "get", "clusters"], {
      env: kwokEnv(context),
      allowFailure: true,
    });
    return result.stdout.split("\n").map((line) => line.trim()).includes(context.clusterName);
  },

  createPlan(context): PlannedCommand[] {
    return [{
      argv: [
        `${kwokBinDir(context)}/kwokctl`,
        "create",
        "cluster",
        "--name",
        context.clusterName,
        "--config",
        configPath(context),
        "--kubeconfig",
        context.kubeconfigPath,
        "--timeout",
        "5m",
      ],
      why: `create the kwok cluster ${context.clusterName} (apiserver https://127.0.0.1:${
        port(context)
      })`,
    }];
  },

  destroyPlan(context): PlannedCommand[] {
    return [{
      argv: [
        `${kwokBinDir(context)}/kwokctl`,
        "delete",
        "cluster",
        "--name",
        context.clusterName,
        "--kubeconfig",
        context.kubeconfigPath,
      ],
      why: `delete the kwok cluster ${context.clusterName}`,
    }];
  },

  async create(context) {
    const bin = kwokBinDir(context);
    const version =
      (await run([`${bin}/kube-apiserver`, "--version"])).stdout.trim().split(" ").pop() ?? "";
    await Deno.mkdir(workdir(context), { recursive: true });
    await Deno.writeTextFile(
      configPath(context),
      JSON.stringify(kwokctlConfiguration(context, version), null, 2),
    );
    for (const command of this.createPlan(context)) {
      context.reporter.info(command.why);
      await run(command.argv, {
        env: kwokEnv(context),
        what: command.why,
        hint: `component logs are in ${workdir(context)}/clusters/${context.clusterName}/logs`,
      });
    }
    // kwok manages every Node object; one node makes pods schedulable.
    const kube = await Kube.connect({ kubeconfig: context.kubeconfigPath });
    await kube.apply({
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: "kwok-node-0",
        annotations: { "kwok.x-k8s.io/node": "fake" },
        labels: { "kubernetes.io/hostname": "kwok-node-0", "type": "kwok" },
      },
      spec: {},
      status: {
        allocatable: { cpu: "32", memory: "256Gi", pods: "110" },
        capacity: { cpu: "32", memory: "256Gi", pods: "110" },
      },
    });
  },

  async destroy(context) {
    for (const command of this.destroyPlan(context)) {
      context.reporter.info(command.why);
      await run(command.argv, { env: kwokEnv(context), what: command.why });
    }
  },
};
