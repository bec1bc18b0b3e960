/**
 * The cluster: created by the provider unless it exists (a stopped local
 * one is started again), deleted by it on destroy, together with a
 * kubeconfig left without contexts. A provider that does not create its
 * cluster (`existing`) has empty plans: setup uses it, destroy keeps it.
 */
import { formatCommand, planArgv } from "../../../providers/clusters/plan_runner.ts";
import type { SetupAction } from "../action.ts";
import type { SetupContext } from "../context.ts";
import { lazy } from "../../lazy.ts";

/** Removes a kubeconfig file that no longer has a context (its cluster was its only one). */
async function removeEmptyKubeconfig(path: string): Promise<boolean> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return false;
  }
  const { parseYaml } = await lazy<typeof import("../../yaml.ts")>(
    "../../yaml.ts",
    import.meta.url,
  );
  const config = parseYaml(text, path) as { contexts?: unknown[] | null } | null;
  if (config?.contexts?.length) return false;
  await Deno.remove(path);
  return true;
}

/** The cluster action. */
export function clusterAction(context: SetupContext): SetupAction {
  const { provider, providerContext } = context;
  const name = providerContext.clusterName;
  const kubeconfig = providerContext.kubeconfigPath;
  return {
    name: "cluster",
    install: {
      plan: () => {
        const plan = provider.createPlan(providerContext);
        return {
          detail: plan.length
            ? `unless cluster ${name} exists: ${plan.map(formatCommand).join(" && ")}`
            : `use the cluster of ${kubeconfig} as it is`,
          commands: plan.map(planArgv),
        };
      },
      run: async () => {
        if (await provider.exists(providerContext)) {
          const did = await provider.ensureRunning?.(providerContext);
          if (did) return { changed: true, detail: `cluster ${name}: ${did}` };
          return {
            changed: false,
            detail: provider.createsCluster
              ? `cluster ${name} exists`
              : `the cluster of ${kubeconfig} answers`,
          };
        }
        await provider.create(providerContext);
        return { changed: true, detail: `cluster ${name} created; kubeconfig ${kubeconfig}` };
      },
    },
    remove: {
      // Listed when the cluster is gone too: destroy's records always end with the cluster's fate.
      withoutCluster: true,
      plan: () => {
        const plan = provider.destroyPlan(providerContext);
        return {
          detail: plan.length
            ? plan.map(formatCommand).join(" && ")
            : `keep the cluster of ${kubeconfig} (${provider.name})`,
          commands: plan.map(planArgv),
        };
      },
      run: async () => {
        if (!provider.createsCluster) {
          return { changed: false, detail: `the ${provider.name} cluster is kept` };
        }
        if (!(await provider.exists(providerContext))) {
          return { changed: false, detail: `no cluster ${name}` };
        }
        await provider.destroy(providerContext);
        const removed = await removeEmptyKubeconfig(kubeconfig);
        return {
          changed: true,
          detail: `cluster ${name} deleted${
            removed ? `; ${kubeconfig} removed (no context left)` : ""
          }`,
        };
      },
    },
  };
}
