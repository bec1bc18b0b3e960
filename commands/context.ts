/** What every command action receives besides its parsed options. */
import type { Reporter } from "../lib/progress.ts";

/** The environment of one CLI invocation (injected, so tests capture it). */
export interface CommandContext {
  reporter: Reporter;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Whether a person is at the keyboard (stdin is a terminal): sessions start unasked only then. */
  interactive: boolean;
}
