/**
 * `platform destroy <provider>`: what setup made, removed in the reverse
 * order of setup (the staging app first, so a cloud database is released
 * before its cluster goes), each removal waited for. It works after a
 * half-finished setup: what is missing is skipped. A cloud cluster is
 * deleted only after --yes or a confirmation naming it and its provider.
 */
import { PlatformError } from "../errors.ts";
import type { ObjectRef } from "../kube/types.ts";
import { waitGone } from "../kube/wait.ts";
import { run } from "../run.ts";
import { uninstallDev } from "../dev/uninstall.ts";
import { formatCommand, planArgv } from "../../providers/clusters/plan_runner.ts";
import { CROSSPLANE_CONFIGURATIONS } from "./components.ts";
import { type SetupContext, setupContext, type SetupOptions, STAGING } from "./context.ts";
import { ENV_KEYS, removeEnvFileKeys } from "./env_file.ts";
import { releaseOf, uninstallArgv } from "./helm.ts";
import { SETUP_SELECTOR } from "./labels.ts";
import { deleteOurs, forgetRelease, installedBySetup } from "./ownership.ts";
import { preflightStep } from "./preflight.ts";
import { secretStoreFor } from "./secret_store.ts";
import { runSteps, type Step, type StepRecord, withinStep } from "./steps.ts";

/** Options of {@link destroy}. */
export interface DestroyOptions extends SetupOptions {
  /** Delete a cloud cluster without asking. */
  yes?: boolean;
  /** Asks the person; resolves to their answer. Absent: no one can be asked (no terminal). */
  confirm?: (question: string) => Promise<boolean>;
}

const GONE_TIMEOUT_MS = 5 * 60_000;

/** Removes what setup made; returns one record per step (the plan with dryRun). */
export async function destroy(options: DestroyOptions = {}): Promise<StepRecord[]> {
  const context = await setupContext(options);
  const { provider, providerContext, reporter } = context;
  if (options.dryRun) {
    return await runSteps(
      [preflightStep(context, "destroy"), ...destroySteps(context)],
      reporter,
      true,
    );
  }
  const checked = await runSteps([preflightStep(context, "destroy")], reporter, false);
  if (provider.confirmDestroy && !options.yes) await confirmDeletion(context, options.confirm);
  // A cluster that is not there has nothing in it to remove: only .env and the cluster step remain.
  const exists = await provider.exists(providerContext);
  if (exists) await provider.ensureRunning?.(providerContext);
  const steps = exists ? destroySteps(context) : [envFileStep(context), clusterStep(context)];
  return [...checked, ...await runSteps(steps, reporter, false)];
}

async function confirmDeletion(context: SetupContext, confirm: DestroyOptions["confirm"]) {
  const what = context.provider.name === "existing"
    ? `what platform setup installed in the cluster of ${context.providerContext.kubeconfigPath}`
    : `the ${context.provider.name} cluster ${context.providerContext.clusterName}`;
  if (!confirm) {
    throw new PlatformError(`refusing to delete ${what} without confirmation`, {
      hint: `pass --yes to delete ${what}, or run destroy in a terminal to be asked`,
      exitCode: 2,
    });
  }
  if (!(await confirm(`Delete ${what}?`))) {
    throw new PlatformError("not confirmed; nothing was deleted", { hint: `${what} is untouched` });
  }
}

/** The steps of destroy: setup's, backwards. */
export function destroySteps(context: SetupContext): Step[] {
  const has = (name: string) => context.components.some((component) => component.name === name);
  return [
    envFileStep(context),
    stagingStep(context),
    namespacesStep(context),
    ...(has("external-secrets") ? [secretStoreStep(context)] : []),
    ...(has("crossplane") ? [configurationsStep(context)] : []),
    ...componentSteps(context),
    clusterStep(context),
  ];
}

/**
 * Deletes the objects among `refs` that setup made, then waits for them to
 * be gone; the others are kept and named in a progress line.
 */
async function deleteAll(context: SetupContext, refs: ObjectRef[]): Promise<string[]> {
  const kube = await context.kube();
  const { deleted, kept } = await deleteOurs(kube, refs);
  if (kept.length) {
    context.reporter.info(
      `kept (not made by setup): ${kept.map((ref) => `${ref.kind} ${ref.name}`).join(", ")}`,
    );
  }
  if (deleted.length) {
    context.reporter.info(
      `waiting for ${deleted.map((ref) => `${ref.kind} ${ref.name}`).join(", ")} to go`,
    );
  }
  // In parallel: namespaces take the namespace controller's passes each, 5 to 10 s.
  await Promise.all(deleted.map((ref) => waitGone(kube, ref, GONE_TIMEOUT_MS)));
  return deleted.map((ref) => ref.name);
}

/** Removes a kubeconfig file that no longer has a context (its cluster was its only one). */
async function removeEmptyKubeconfig(path: string): Promise<boolean> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return false;
  }
  const { parseYaml } = await import("../yaml.ts");
  const config = parseYaml(text, path) as { contexts?: unknown[] | null } | null;
  if (config?.contexts?.length) return false;
  await Deno.remove(path);
  return true;
}

function envFileStep(context: SetupContext): Step {
  const path = `${context.cwd}/.env`;
  return {
    name: "env-file",
    plan: () => ({ detail: `remove ${ENV_KEYS.join(", ")} from ${path} if they point here` }),
    run: async () => {
      const result = await removeEnvFileKeys(path, {
        provider: context.provider.name,
        kubeconfig: context.helm.kubeconfig,
      });
      return {
        changed: result === "removed",
        detail: result === "removed"
          ? `setup's keys removed from ${path}; other lines kept`
          : result === "not ours"
          ? `${path} describes another setup; left alone`
          : `nothing of setup's in ${path}`,
      };
    },
  };
}

function stagingStep(context: SetupContext): Step {
  return {
    name: "staging-app",
    plan: () => ({ detail: `uninstall dev ${STAGING} (namespace ${STAGING})` }),
    run: async () => {
      const kubeconfig = context.helm.kubeconfig;
      const result = await uninstallDev(STAGING, {
        flags: { kubeconfig, context: context.helm.kubeContext, namespace: STAGING },
        env: { ...context.env, KUBECONFIG: kubeconfig },
        cwd: context.cwd,
        keepNamespace: true,
        reporter: withinStep(context.reporter),
      });
      return {
        changed: result.result === "deleted",
        detail: result.result === "deleted"
          ? `${result.deleted.length} objects deleted`
          : "nothing to delete",
      };
    },
  };
}

function namespacesStep(context: SetupContext): Step {
  return {
    name: "namespaces",
    plan: () => ({
      detail: `delete the namespaces setup created (${SETUP_SELECTOR}), with what is in them`,
    }),
    run: async () => {
      const kube = await context.kube();
      const { items } = await kube.list("v1", "Namespace", { labelSelector: SETUP_SELECTOR });
      const deleted = await deleteAll(
        context,
        items.map((item) => ({ apiVersion: "v1", kind: "Namespace", name: item.metadata.name! })),
      );
      return {
        changed: deleted.length > 0,
        detail: deleted.length ? `${deleted.join(", ")} deleted` : "none left",
      };
    },
  };
}

function secretStoreStep(context: SetupContext): Step {
  const store = secretStoreFor(context.provider.name, context.env);
  return {
    name: "secret-store",
    plan: () => ({ detail: `delete ClusterSecretStore ${store.metadata.name}` }),
    run: async () => {
      const deleted = await deleteAll(context, [{
        apiVersion: store.apiVersion,
        kind: store.kind,
        name: store.metadata.name!,
      }]);
      return {
        changed: deleted.length > 0,
        detail: `ClusterSecretStore ${store.metadata.name} ${
          deleted.length ? "deleted" : "absent"
        }`,
      };
    },
  };
}

function configurationsStep(context: SetupContext): Step {
  const names = CROSSPLANE_CONFIGURATIONS.map((configuration) => configuration.name);
  return {
    name: "crossplane-configurations",
    plan: () => ({ detail: `delete Configurations ${names.join(", ")}` }),
    run: async () => {
      const deleted = await deleteAll(
        context,
        names.map((name) => ({ apiVersion: "pkg.crossplane.io/v1", kind: "Configuration", name })),
      );
      return {
        changed: deleted.length > 0,
        detail: deleted.length ? `${deleted.join(", ")} deleted` : "none left",
      };
    },
  };
}

function componentSteps(context: SetupContext): Step[] {
  return [...context.components].reverse().map((component) => {
    const argv = uninstallArgv(context.helm, component);
    return {
      name: component.name,
      plan: () => ({ detail: `helm uninstall ${component.name}, waiting`, commands: [argv] }),
      run: async () => {
        if (!(await releaseOf(context.helm, component, context.runEnv))) {
          return { changed: false, detail: "not installed" };
        }
        const kube = await context.kube();
        if (!(await installedBySetup(kube, component))) {
          return {
            changed: false,
            detail: `release ${component.name} kept: setup did not install it`,
          };
        }
        await run(argv, { env: context.runEnv, what: `uninstall ${component.name}` });
        await forgetRelease(kube, component);
        return { changed: true, detail: `release ${component.name} removed` };
      },
    };
  });
}

function clusterStep(context: SetupContext): Step {
  const { provider, providerContext } = context;
  const plan = provider.destroyPlan(providerContext);
  return {
    name: "cluster",
    plan: () => ({
      detail: plan.length
        ? plan.map(formatCommand).join(" && ")
        : `keep the cluster of ${providerContext.kubeconfigPath} (${provider.name})`,
      commands: plan.map(planArgv),
    }),
    run: async () => {
      if (!plan.length) return { changed: false, detail: `the ${provider.name} cluster is kept` };
      if (!(await provider.exists(providerContext))) {
        return { changed: false, detail: `no cluster ${providerContext.clusterName}` };
      }
      await provider.destroy(providerContext);
      const removed = await removeEmptyKubeconfig(providerContext.kubeconfigPath);
      return {
        changed: true,
        detail: `cluster ${providerContext.clusterName} deleted${
          removed ? `; ${providerContext.kubeconfigPath} removed (no context left)` : ""
        }`,
      };
    },
  };
}
