/** kind: Kubernetes in Docker containers, for a laptop with a Docker engine. */
import { run } from "../../lib/run.ts";
import { definedEnv, requireProgram, runPlan } from "./plan_runner.ts";
import type { ClusterProvider } from "./provider.ts";

/** The kind provider. */
export const kindProvider: ClusterProvider = {
  name: "kind",
  description: "local cluster in Docker containers (needs kind and a Docker engine)",
  cloud: false,
  fixedIngressHost: "127.0.0.1.nip.io",
  async preflight(context) {
    await requireProgram("kind", context, "install kind: go install sigs.k8s.io/kind@latest", [
      "version",
    ]);
    await requireProgram("docker", context, "install Docker (kind runs its nodes as containers)");
    const info = await run(["docker", "info", "--format", "{{.ServerVersion}}"], {
      allowFailure: true,
      env: definedEnv(context.env),
    });
    if (info.code !== 0) {
      const { PlatformError } = await import("../../lib/errors.ts");
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
      "--kubeconfig",
      context.kubeconfigPath,
      "--wait",
      "5m",
    ],
    why: `create the kind cluster ${context.clusterName}`,
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
  create(context) {
    return runPlan(this.createPlan(context), context);
  },
  destroy(context) {
    return runPlan(this.destroyPlan(context), context);
  },
};
