/**
 * builtin: what `okteto up` does, through the Kubernetes API alone. Lease,
 * swap, sync, run, forward; and on the way out (Ctrl-C, SIGTERM, the
 * command exiting, `uninstall dev`, or the next command after a crash)
 * restore and verify. A session that was taken over leaves the
 * environment alone: it is the new holder's to restore.
 */
import type { SessionDriver } from "./driver.ts";
import { lazy } from "../../lib/lazy.ts";

/** The machinery: loaded by start() and stop() only, so that the registry stays light. */
const session = () =>
  lazy<typeof import("./builtin_session.ts")>("./builtin_session.ts", import.meta.url);

/** The builtin driver. */
export const builtinDriver: SessionDriver = {
  name: "builtin",
  description:
    "swap in a dev copy, sync, run and forward through the Kubernetes API (no other binary)",

  preflight: () => Promise.resolve("builtin (Kubernetes API; local tar)"),

  start: async (target) => (await session()).startSession(target),

  stop: async (target) => (await session()).restoreAndRelease(target),

  status: async (target) =>
    (await lazy<typeof import("../../lib/session/status.ts")>(
      "../../lib/session/status.ts",
      import.meta.url,
    )).leaseStatusOf("builtin", target),
};
