/** mirrord: `mirrord exec --target deployment/<app> -n <user> -- <command>`, argv arrays only. */
import { usageError } from "../../lib/errors.ts";
import { clusterOf, type ClusterRef, findCli, foregroundSession } from "./cli_driver.ts";
import type { SessionDriver, SessionTarget } from "./driver.ts";
import { lazy } from "../../lib/lazy.ts";

/** The argv of a mirrord session for a target. */
export function mirrordArgv(
  target: Pick<SessionTarget, "namespace" | "app" | "dev"> & { cluster?: ClusterRef },
): string[] {
  if (!target.dev.command) {
    throw usageError("the mirrord driver needs a dev command", "set dev.command in platform.yaml");
  }
  return [
    "mirrord",
    "exec",
    "--target",
    `deployment/${target.app}`,
    "-n",
    target.namespace,
    ...(target.cluster ? ["--context", target.cluster.context] : []),
    "--",
    ...target.dev.command,
  ];
}

/** The mirrord driver. */
export const mirrordDriver: SessionDriver = {
  name: "mirrord",
  description:
    "mirrord exec: the local process with the pod's traffic, env and files (needs mirrord)",
  preflight: (env) =>
    findCli("mirrord", env, "install mirrord: https://mirrord.dev/docs/overview/quick-start/", [
      "--version",
    ]),
  async start(target) {
    await this.preflight(target.env);
    return await foregroundSession(
      this,
      mirrordArgv({ ...target, cluster: clusterOf(target) }),
      target,
    );
  },
  // mirrord's agent goes with its process: nothing in the cluster outlives the session.
  stop: () => Promise.resolve({ driver: "mirrord", restored: true, leaseReleased: false }),
  status: async (target) =>
    (await lazy<typeof import("../../lib/session/status.ts")>(
      "../../lib/session/status.ts",
      import.meta.url,
    )).leaseStatusOf("mirrord", target),
};
