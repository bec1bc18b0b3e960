/**
 * A test hook for the fault suite: PLATFORM_TEST_PAUSE_AT names session
 * phases (comma-separated) at which the session stops for
 * PLATFORM_TEST_PAUSE_MS (default 60 s), after saying `paused at <phase>` on
 * stderr, so a test's signal or kill -9 lands exactly there. An abort (the
 * first Ctrl-C) ends the pause. Unset, it costs one environment lookup.
 */
import type { Reporter } from "../progress.ts";

/** The phases a builtin session passes, in order. */
export type SessionPhase = "lease" | "swap" | "sync" | "running" | "restore";

const wanted = new Set((Deno.env.get("PLATFORM_TEST_PAUSE_AT") ?? "").split(",").filter(Boolean));
const pauseMs = Number(Deno.env.get("PLATFORM_TEST_PAUSE_MS") ?? 60_000);

/** Pauses at `name` when the test hook asks for it. */
export async function phase(
  name: SessionPhase,
  reporter: Reporter,
  signal?: AbortSignal,
): Promise<void> {
  if (!wanted.has(name) || signal?.aborted) return;
  reporter.info(`paused at ${name}`);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, pauseMs);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
