/**
 * Step and progress lines. They go to stderr so that stdout carries only
 * the command's records (`platform list dev -o json | jq` always works).
 */

/** Receives progress from long operations. */
export interface Reporter {
  /** A finished step: ✓ done, ✗ failed, - skipped (already done). */
  step(status: "ok" | "fail" | "skip", text: string): void;
  /** A line of progress within a step. */
  info(text: string): void;
}

const MARKS = { ok: "✓", fail: "✗", skip: "-" } as const;

/** A reporter writing lines to a sink (stderr by default). */
export function lineReporter(
  write: (line: string) => void = (line) => console.error(line),
): Reporter {
  return {
    step: (status, text) => write(`${MARKS[status]} ${text}`),
    info: (text) => write(`  ${text}`),
  };
}

/** A reporter that drops everything (library callers that want silence). */
export const silentReporter: Reporter = { step() {}, info() {} };

/** A reporter that records lines, for tests. */
export function recordingReporter(): Reporter & { lines: string[] } {
  const lines: string[] = [];
  return { lines, ...lineReporter((line) => lines.push(line)) };
}

/** Human duration: 850ms, 12.3s, 4m05s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, "0")}s`;
}

/** Kubernetes-style age of a timestamp: 45s, 12m, 3h, 5d. */
export function formatAge(timestamp: string | undefined, now = Date.now()): string {
  if (!timestamp) return "";
  const seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}
