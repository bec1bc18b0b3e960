/** telepresence: `telepresence connect` then `telepresence intercept`, argv arrays only. */
import { findCli, foregroundSession, runForeground } from "./cli_driver.ts";
import type { SessionDriver, SessionTarget } from "./driver.ts";

/** The argv list of a telepresence session for a target. */
export function telepresencePlan(
  target: Pick<SessionTarget, "namespace" | "app" | "dev">,
): string[][] {
  const port = target.dev.forwards[0]?.remote ?? 8080;
  return [
    ["telepresence", "connect", "--namespace", target.namespace],
    [
      "telepresence",
      "intercept",
      target.app,
      "--port",
      `${port}:${port}`,
      ...(target.dev.command ? ["--", ...target.dev.command] : []),
    ],
  ];
}

/** The telepresence driver. */
export const telepresenceDriver: SessionDriver = {
  name: "telepresence",
  description:
    "telepresence connect + intercept: cluster traffic to the laptop (needs telepresence)",
  preflight: (env) =>
    findCli(
      "telepresence",
      env,
      "install telepresence: https://www.telepresence.io/docs/install/client",
      ["version"],
    ),
  async start(target) {
    await this.preflight(target.env);
    const [connect, intercept] = telepresencePlan(target);
    await runForeground(connect, target.env, target.dir);
    return foregroundSession(this, intercept, target);
  },
  async stop(target) {
    await runForeground(["telepresence", "leave", target.app], target.env, target.dir);
    await runForeground(["telepresence", "quit"], target.env, target.dir);
    return { driver: "telepresence", restored: true, leaseReleased: false };
  },
};
