/**
 * kind: Kubernetes in Docker containers, for a laptop with a Docker engine.
 * The node maps host ports 80 and 443 and carries `ingress-ready=true`, so
 * the ingress controller (on host ports, as kind has no load balancer) is
 * reached at 127.0.0.1.nip.io.
 */
import { PlatformError } from "../../lib/errors.ts";
import { run } from "../../lib/run.ts";
import { LOCAL_INGRESS } from "./ingress_address.ts";
import { definedEnv, requireProgram, runPlan } from "./plan_runner.ts";
import { localSecretStore } from "./local_secret_store.ts";
import type { ClusterProvider, ProviderContext } from "./provider.ts";

function configPath(context: ProviderContext): string {
  // JSON is YAML too, and keeps the YAML library off the CLI's start-up path.
  return `${context.cwd}/.platform/kind/${context.clusterName}.json`;
}

/** The kind cluster configuration: one node, host ports 80 and 443, labelled for ingress. */
export function kindConfiguration(): Record<string, unknown> {
  return {
    kind: "Cluster",
    apiVersion: "kind.x-k8s.io/v1alpha4",
    nodes: [{
      role: "control-plane",
      labels: { "ingress-ready": "true" },
      extraPortMappings: [
        { containerPort: 80, hostPort: 80, protocol: "TCP" },
        { containerPort: 443, hostPort: 443, protocol: "TCP" },
      ],
    }],
  };
}

/** The kind provider. */
export const kindProvider: ClusterProvider = {
  name: "kind",
  description: "local cluster in Docker containers (needs kind and a Docker engine)",
  cloud: false,
  createsCluster: true,
  // Its nodes are containers that run containers: Crossplane's compositions work.
  servesClaims: true,
  confirmDestroy: true,
  loadBalancer: false,
  secretStore: localSecretStore,
  kubeconfigPath: (cwd) => `${cwd}/kubeconfig.yaml`,
  async preflight(context) {
    await requireProgram("kind", context, "install kind: go install sigs.k8s.io/kind@v0.29.0", [
      "version",
    ]);
    await requireProgram("docker", context, "install Docker (kind runs its nodes as containers)");
    const info = await run(["docker", "info", "--format", "{{.ServerVersion}}"], {
      allowFailure: true,
      env: definedEnv(context.env),
      timeoutMs: 30_000,
    });
    if (info.code !== 0) {
      throw new PlatformError("no Docker engine answers (docker info failed)", {
        hint: "start Docker, or use the kwok provider, which needs no Docker",
      });
    }
  },
  async exists(context) {
    const result = await run(["kind", "get", "clusters"], {
      allowFailure: true,
      env: definedEnv(context.env),
    });
    return result.stdout.split("\n").includes(context.clusterName);
  },
  createPlan: (context) => [{
    argv: [
      "kind",
      "create",
      "cluster",
      "--name",
      context.clusterName,
      "--config",
      configPath(context),
      "--kubeconfig",
      context.kubeconfigPath,
      "--wait",
      "5m",
    ],
    why: `create the kind cluster ${context.clusterName} (host ports 80 and 443)`,
  }],
  destroyPlan: (context) => [{
    argv: [
      "kind",
      "delete",
      "cluster",
      "--name",
      context.clusterName,
      "--kubeconfig",
      context.kubeconfigPath,
    ],
    why: `delete the kind cluster ${context.clusterName}`,
  }],
  async create(context) {
    await Deno.mkdir(`${context.cwd}/.platform/kind`, { recursive: true });
    await Deno.writeTextFile(configPath(context), JSON.stringify(kindConfiguration(), null, 2));
    await runPlan(this.createPlan(context), context);
  },
  destroy(context) {
    return runPlan(this.destroyPlan(context), context);
  },
  ingressAddress: () => Promise.resolve(LOCAL_INGRESS),
};
