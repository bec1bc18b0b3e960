/**
 * `platform destroy <provider>`: the preflight, a confirmation for every
 * provider that declares it needs one, then setup's actions backwards, each
 * removing exactly what it recorded making (the staging app first, so a
 * cloud database is released before its cluster goes). It works after a
 * half-finished setup: what is missing is skipped; with no cluster left,
 * only what needs none runs.
 */
import { PlatformError, usageError } from "../errors.ts";
import { removalSteps } from "./action.ts";
import { platformActions } from "./action_list.ts";
import { type SetupContext, setupContext, type SetupOptions } from "./context.ts";
import { preflightStep } from "./preflight.ts";
import { runSteps, type StepRecord } from "./steps.ts";

/** Options of {@link destroy}. */
export interface DestroyOptions extends SetupOptions {
  /** Delete without asking (providers that declare confirmDestroy ask otherwise). */
  yes?: boolean;
  /** Asks the person; resolves to their answer. Absent: no one can be asked (no terminal). */
  confirm?: (question: string) => Promise<boolean>;
}

/** Removes what setup made; returns one record per step (the plan with dryRun). */
export async function destroy(options: DestroyOptions = {}): Promise<StepRecord[]> {
  const context = await setupContext(options);
  const { provider, providerContext, reporter } = context;
  const actions = platformActions(context);
  const preflight = preflightStep(context, "destroy");
  if (options.dryRun) {
    const steps = [preflight, ...removalSteps(actions, { clusterExists: true })];
    return await runSteps(steps, reporter, true);
  }
  const checked = await runSteps([preflight], reporter, false);
  if (provider.confirmDestroy && !options.yes) await confirmDeletion(context, options.confirm);
  const clusterExists = await provider.exists(providerContext);
  if (clusterExists) await provider.ensureRunning?.(providerContext);
  return [...checked, ...await runSteps(removalSteps(actions, { clusterExists }), reporter, false)];
}

/** What destroy deletes, in the words of the question and the refusal. */
export function deletionSubject(context: SetupContext): string {
  const { provider, providerContext } = context;
  return provider.createsCluster
    ? `the ${provider.name} cluster ${providerContext.clusterName}`
    : `what platform setup installed in the cluster of ${providerContext.kubeconfigPath}`;
}

async function confirmDeletion(context: SetupContext, confirm: DestroyOptions["confirm"]) {
  const what = deletionSubject(context);
  if (!confirm) {
    throw usageError(
      `refusing to delete ${what} without confirmation`,
      `pass --yes to delete ${what}, or run destroy in a terminal to be asked`,
    );
  }
  if (!(await confirm(`Delete ${what}?`))) {
    throw new PlatformError("not confirmed; nothing was deleted", { hint: `${what} is untouched` });
  }
}
