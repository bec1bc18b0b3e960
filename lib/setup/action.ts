/**
 * Setup as actions: one small unit per piece of the platform that knows how
 * to put it there (finding it already there), record what it made, and
 * take exactly that away. Setup and destroy are two walks over one list:
 * forward through `install`, backwards through `remove`, so the order of
 * removal can never drift from the order of setup.
 */
import type { Step, StepPlan } from "./steps.ts";

/** What running one half of an action did, for its step line and record. */
export interface Outcome {
  changed: boolean;
  detail: string;
}

/** One half of an action: what it would do (dry run), and doing it. */
export interface ActionHalf {
  plan: () => StepPlan;
  run: () => Promise<Outcome>;
}

/** One piece of the platform, installed by setup and removed by destroy. */
export interface SetupAction {
  /** The step name in records and progress lines, the same in setup and destroy. */
  name: string;
  /** Installing is only a check: it changes nothing and reports "checked". */
  check?: boolean;
  install: ActionHalf;
  /** Absent: the action makes nothing of its own (a check), so destroy passes it by. */
  remove?: ActionHalf & {
    /**
     * Whether this removal has work when the cluster is gone (its `.env`
     * keys, the cluster itself); every other removal needs the cluster.
     */
    withoutCluster?: boolean;
  };
}

/** The steps of setup: every action's install, in the list's order. */
export function installSteps(actions: readonly SetupAction[]): Step[] {
  return actions.map((action) => ({
    name: action.name,
    ...(action.check && { check: true }),
    plan: action.install.plan,
    run: action.install.run,
  }));
}

/**
 * The steps of destroy: the removals, last installed first; with no
 * cluster left, only those that work without one.
 */
export function removalSteps(
  actions: readonly SetupAction[],
  options: { clusterExists: boolean },
): Step[] {
  return [...actions].reverse().flatMap((action) =>
    action.remove && (options.clusterExists || action.remove.withoutCluster)
      ? [{ name: action.name, plan: action.remove.plan, run: action.remove.run }]
      : []
  );
}
