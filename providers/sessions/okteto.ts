/** okteto: wraps `okteto up` / `okteto down` (the seed's way), argv arrays only. */
import type { SessionDriver, SessionTarget } from "./driver.ts";
import { findCli, foregroundSession, runForeground } from "./cli_driver.ts";

/** The argv of `okteto up` for a target. */
export const oktetoUp = (
  target: Pick<SessionTarget, "namespace" | "app">,
) => ["okteto", "up", target.app, "--namespace", target.namespace];
/** The argv of `okteto down` for a target. */
export const oktetoDown = (
  target: Pick<SessionTarget, "namespace" | "app">,
) => ["okteto", "down", target.app, "--namespace", target.namespace];

/** The okteto driver. */
export const oktetoDriver: SessionDriver = {
  name: "okteto",
  description: "okteto up / okteto down (needs the okteto CLI and okteto.yaml)",
  preflight: (env) =>
    findCli(
      "okteto",
      env,
      "install the okteto CLI: https://www.okteto.com/docs/get-started/install-okteto-cli/",
      ["version"],
    ),
  async start(target) {
    await this.preflight(target.env);
    return foregroundSession(this, oktetoUp(target), target);
  },
  async stop(target) {
    await runForeground(oktetoDown(target), target.env, target.dir);
    return { driver: "okteto", restored: true, leaseReleased: false };
  },
};
