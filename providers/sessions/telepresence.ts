/** telepresence: `telepresence connect` then `telepresence intercept`, argv arrays only. */
import { findCli, foregroundSession, hasCli, runForeground } from "./cli_driver.ts";
import type { SessionDriver, SessionTarget } from "./driver.ts";
import { PlatformError } from "../../lib/errors.ts";
import { leaseStatusOf } from "../../lib/session/status.ts";

/** The argv list of a telepresence session for a target: connect, then intercept. */
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

/** The argv list that ends a telepresence session: leave the intercept, then quit. */
export const telepresenceEnd = (target: Pick<SessionTarget, "app">): string[][] => [
  ["telepresence", "leave", target.app],
  ["telepresence", "quit"],
];

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
    const code = await runForeground(connect, target.env, target.dir);
    if (code !== 0) {
      throw new PlatformError(`${connect.join(" ")} exited ${code}`, {
        hint: "telepresence status; telepresence connect --help",
      });
    }
    return await foregroundSession(this, intercept, target);
  },
  async stop(target) {
    // The intercept lives in telepresence's own daemons on the laptop that made it.
    if (!(await hasCli("telepresence", target.env))) {
      target.reporter.info("telepresence is not installed here: its intercept is not ours to end");
      return { driver: "telepresence", restored: false, leaseReleased: false };
    }
    for (const argv of telepresenceEnd(target)) {
      await runForeground(argv, target.env, target.dir);
    }
    return { driver: "telepresence", restored: true, leaseReleased: false };
  },
  status: (target) => leaseStatusOf("telepresence", target),
};
