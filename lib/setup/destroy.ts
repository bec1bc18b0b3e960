/**
 * `platform destroy <provider>`: what setup made, removed in reverse order
 * (the staging app first, so a cloud database is released before its
 * cluster goes), each removal waited for. It works after a half-finished
 * setup: whatever is missing is skipped. A cloud cluster is deleted only
 * after --yes or an interactive confirmation naming it.
 */
import { PlatformError } from "../errors.ts";
import { Kube } from "../kube/client.ts";
import { waitGone } from "../kube/wait.ts";
import { formatArgv, run } from "../run.ts";
import { uninstallDev } from "../dev/uninstall.ts";
import { definedEnv } from "../../providers/clusters/plan_runner.ts";
import { CROSSPLANE_CONFIGURATIONS } from "./components.ts";
import { deployedChart, uninstallArgv } from "./helm.ts";
import {
  runSteps,
  secretStoreFor,
  type SetupContext,
  setupContext,
  type SetupOptions,
  type Step,
  type StepRecord,
} from "./setup.ts";

/** Options of {@link destroy}. */
export interface DestroyOptions extends SetupOptions {
  /** Delete a cloud cluster without asking. */
  yes?: boolean;
  /** Asks the person; resolves to their answer. Absent: no one can be asked. */
  confirm?: (question: string) => Promise<boolean>;
}

/** Removes what setup made; returns one record per step. */
export async function destroy(options: DestroyOptions): Promise<StepRecord[]> {
  const context = await setupContext(options);
  const { provider, providerContext } = context;
  if (provider.cloud && !options.dryRun && !options.yes) {
    const question =
      `Delete the ${provider.name} cluster ${providerContext.clusterName} and everything in it?`;
    if (!options.confirm) {
      throw new PlatformError(
        `refusing to delete the ${provider.name} cluster ${providerContext.clusterName} without confirmation`,
        {
          hint: "pass --yes, or run it in a terminal to be asked",
          exitCode: 2,
        },
      );
    }
    if (!(await options.confirm(question))) {
      throw new PlatformError("not confirmed; nothing was deleted", { exitCode: 1 });
    }
  }
  const cluster = options.dryRun || await provider.exists(providerContext);
  const steps = cluster
    ? [...inClusterSteps(context), clusterStep(context)]
    : [clusterStep(context)];
  return await runSteps(steps, context.reporter, Boolean(options.dryRun));
}

function clusterStep(context: SetupContext): Step {
  const { provider, providerContext } = context;
  return {
    name: "cluster",
    plan: () =>
      provider.destroyPlan(providerContext).map((c) => formatArgv(c.argv)).join(" && ") ||
      "keep the cluster (existing)",
    run: async () => {
      if (provider.name === "existing") {
        return { changed: false, detail: "the existing cluster is kept" };
      }
      if (!(await provider.exists(providerContext))) {
        return { changed: false, detail: `no cluster ${providerContext.clusterName}` };
      }
      await provider.destroy(providerContext);
      return { changed: true, detail: `cluster ${providerContext.clusterName} deleted` };
    },
  };
}

function inClusterSteps(context: SetupContext): Step[] {
  const kubeconfig = context.providerContext.kubeconfigPath;
  let client: Promise<Kube> | undefined;
  const kube = () => client ??= Kube.connect({ kubeconfig });
  const runEnv = definedEnv(context.env);
  const deleteObjects = async (refs: { apiVersion: string; kind: string; name: string }[]) => {
    const client = await kube();
    let changed = false;
    for (const ref of refs) {
      try {
        if (await client.delete(ref)) {
          changed = true;
          await waitGone(client, ref, 5 * 60_000);
        }
      } catch (error) {
        // A kind whose component is already gone has nothing left to delete.
        if (!(error instanceof PlatformError && /does not serve/.test(error.message))) throw error;
      }
    }
    return changed;
  };
  const steps: Step[] = [
    {
      name: "staging-app",
      plan: () => "uninstall the staging app (user staging)",
      run: async () => {
        const result = await uninstallDev("staging", {
          flags: { kubeconfig, namespace: "staging" },
          env: { ...context.env, KUBECONFIG: kubeconfig },
          cwd: context.cwd,
          keepNamespace: true,
        });
        return { changed: result.result === "deleted", detail: result.result };
      },
    },
    {
      name: "namespaces",
      plan: () =>
        `delete the namespaces setup labelled (${[...context.users, "staging"].join(", ")} ...)`,
      run: async () => {
        const client = await kube();
        const { items } = await client.list("v1", "Namespace", {
          labelSelector: "platform.dev/part-of=setup",
        });
        const changed = await deleteObjects(
          items.map((item) => ({ apiVersion: "v1", kind: "Namespace", name: item.metadata.name! })),
        );
        return { changed, detail: items.map((item) => item.metadata.name).join(", ") || "none" };
      },
    },
  ];
  if (context.components.some((component) => component.name === "external-secrets")) {
    const store = secretStoreFor(context.provider.name, context.env);
    steps.push({
      name: "secret-store",
      plan: () => `delete ClusterSecretStore ${store.metadata.name}`,
      run: async () => ({
        changed: await deleteObjects([{
          apiVersion: store.apiVersion,
          kind: store.kind,
          name: store.metadata.name!,
        }]),
        detail: `ClusterSecretStore ${store.metadata.name}`,
      }),
    });
  }
  if (context.components.some((component) => component.name === "crossplane")) {
    steps.push({
      name: "crossplane-configurations",
      plan: () =>
        `delete Configurations ${CROSSPLANE_CONFIGURATIONS.map((c) => c.name).join(", ")}`,
      run: async () => ({
        changed: await deleteObjects(
          CROSSPLANE_CONFIGURATIONS.map((c) => ({
            apiVersion: "pkg.crossplane.io/v1",
            kind: "Configuration",
            name: c.name,
          })),
        ),
        detail: CROSSPLANE_CONFIGURATIONS.map((c) => c.name).join(", "),
      }),
    });
  }
  for (const component of [...context.components].reverse()) {
    steps.push({
      name: component.name,
      plan: () => formatArgv(uninstallArgv(context.helm, component, kubeconfig)),
      run: async () => {
        if (!(await deployedChart(context.helm, component, kubeconfig, runEnv))) {
          return { changed: false, detail: "not installed" };
        }
        await run(uninstallArgv(context.helm, component, kubeconfig), {
          env: runEnv,
          what: `uninstall ${component.name}`,
        });
        return { changed: true, detail: `release ${component.name} removed` };
      },
    });
  }
  return steps;
}
