/**
 * Ordered, named steps with one line each on stderr: ✓ done (or checked),
 * - skipped because it already was so, ✗ failed (and nothing after it
 * runs). A dry run asks each step for its plan instead and touches nothing.
 */
import { reasonOf } from "../errors.ts";
import { formatDuration, type Reporter } from "../progress.ts";

/** One step's outcome, as setup and destroy return it. */
export interface StepRecord {
  step: string;
  /** checked: a check passed; done: something changed; skipped: it already was so; planned: dry run. */
  status: "checked" | "done" | "skipped" | "planned";
  detail: string;
  /** Dry run: the exact commands the step would run, as argv arrays. */
  commands?: string[][];
}

/** What a step would do. */
export interface StepPlan {
  detail: string;
  commands?: string[][];
}

/** A named step: what it would do, and doing it (saying whether anything changed). */
export interface Step {
  name: string;
  /** A check changes nothing; it reports "checked". */
  check?: boolean;
  plan: () => StepPlan;
  run: () => Promise<{ changed: boolean; detail: string }>;
}

/** Runs steps in order, one line each; stops at the first failure (rethrown after its ✗ line). */
export async function runSteps(
  steps: Step[],
  reporter: Reporter,
  dryRun: boolean,
): Promise<StepRecord[]> {
  const records: StepRecord[] = [];
  for (const step of steps) {
    if (dryRun) {
      const { detail, commands } = step.plan();
      records.push({ step: step.name, status: "planned", detail, ...(commands && { commands }) });
      continue;
    }
    const started = Date.now();
    try {
      const { changed, detail } = await retryBusy(step, reporter);
      const status = step.check ? "checked" : changed ? "done" : "skipped";
      records.push({ step: step.name, status, detail });
      const took = formatDuration(Date.now() - started);
      reporter.step(
        status === "skipped" ? "skip" : "ok",
        status === "skipped"
          ? `${step.name}: skipped, already done (${detail})`
          : `${step.name}: ${detail} (${took})`,
      );
    } catch (error) {
      reporter.step("fail", `${step.name}: ${(error as Error).message.split("\n")[0]}`);
      throw error;
    }
  }
  return records;
}

/** Attempts of a step the API server answered 429 (busy) to; steps are idempotent, so re-running is safe. */
const BUSY_ATTEMPTS = 5;

/**
 * Runs a step, again when the API server says it is busy: right after a
 * CRD is created its storage answers 429 "storage is (re)initializing"
 * for a moment, which is a reason to wait, not to fail a setup.
 */
async function retryBusy(step: Step, reporter: Reporter) {
  for (let attempt = 1;; attempt++) {
    try {
      return await step.run();
    } catch (error) {
      const busy = reasonOf(error) === "throttled";
      if (!busy || attempt >= BUSY_ATTEMPTS) throw error;
      reporter.info(
        `${step.name}: the API server is busy (${(error as Error).message}); again in ${attempt} s`,
      );
      await new Promise((resolve) => setTimeout(resolve, attempt * 1000));
    }
  }
}

/** A reporter for work inside a step: its ✓ lines become indented progress under the step's own. */
export function withinStep(reporter: Reporter): Reporter {
  const marks = { ok: "✓", fail: "✗", skip: "-" } as const;
  return {
    step: (status, text) => reporter.info(`${marks[status]} ${text}`),
    info: (text) => reporter.info(text),
  };
}
