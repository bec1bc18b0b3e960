/**
 * `platform setup <provider>`: the preflight, then every action's install
 * in order (lib/setup/action_list.ts). A second run finds everything done
 * and changes nothing; a dry run returns the plan (exact argv arrays) and
 * touches nothing.
 */
import { installSteps } from "./action.ts";
import { platformActions } from "./action_list.ts";
import { setupContext, type SetupOptions } from "./context.ts";
import { preflightStep } from "./preflight.ts";
import { runSteps, type StepRecord } from "./steps.ts";

export type { SetupOptions } from "./context.ts";
export type { StepRecord } from "./steps.ts";

/** Sets the platform up on a provider; returns one record per step (the plan with dryRun). */
export async function setup(options: SetupOptions = {}): Promise<StepRecord[]> {
  const context = await setupContext(options);
  const steps = [preflightStep(context), ...installSteps(platformActions(context))];
  return await runSteps(steps, context.reporter, Boolean(options.dryRun));
}
