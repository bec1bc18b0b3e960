/** Durations as people type them: 90, 90s, 5m, 1h. */
import { usageError } from "./errors.ts";

/** The longest wait accepted: 24 h (timers overflow past 24.8 days; nobody waits a day for a pod). */
export const MAX_DURATION_SECONDS = 24 * 3600;

/** Parses 90, 90s, 5m, 1h into seconds; usage error otherwise, or past 24 h. */
export function parseDuration(text: string): number {
  const match = /^(\d+)(s|m|h)?$/.exec(text.trim());
  if (!match || Number(match[1]) === 0) {
    throw usageError(
      `invalid duration ${JSON.stringify(text)}`,
      "use seconds or a unit: 90, 90s, 5m, 1h",
    );
  }
  const seconds = Number(match[1]) * ({ s: 1, m: 60, h: 3600 }[match[2] as "s" | "m" | "h"] ?? 1);
  if (seconds > MAX_DURATION_SECONDS) {
    throw usageError(
      `duration ${JSON.stringify(text)} is longer than 24h`,
      "a wait that long is a hang; use at most 24h",
    );
  }
  return seconds;
}
