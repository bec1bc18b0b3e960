/** okteto: wraps `okteto up` / `okteto down` (the seed's way), argv arrays only. */
import type { SessionDriver, SessionTarget } from "./driver.ts";
import {
  cliEnv,
  clusterOf,
  type ClusterRef,
  findCli,
  foregroundSession,
  hasCli,
  runForeground,
} from "./cli_driver.ts";

/** The repair code, loaded by stop() and status() only: the driver registry stays light. */
const repairs = () => import("../../lib/session/repair.ts");

type Where = Pick<SessionTarget, "namespace" | "app"> & { cluster?: ClusterRef };
const contextArgs = (target: Where) => target.cluster ? ["--context", target.cluster.context] : [];

/** The argv of `okteto up` for a target, on the context platform used. */
export const oktetoUp = (target: Where) => [
  "okteto",
  "up",
  target.app,
  "--namespace",
  target.namespace,
  ...contextArgs(target),
];
/** The argv of `okteto down` for a target. */
export const oktetoDown = (target: Where) => [
  "okteto",
  "down",
  target.app,
  "--namespace",
  target.namespace,
  ...contextArgs(target),
];

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
    return await foregroundSession(
      this,
      oktetoUp({ ...target, cluster: clusterOf(target) }),
      target,
    );
  },
  async stop(target) {
    if (await hasCli("okteto", target.env)) {
      await runForeground(
        oktetoDown({ ...target, cluster: clusterOf(target) }),
        cliEnv(target),
        target.dir,
      );
    } else {
      target.reporter.info("okteto is not installed here: undoing its swap through the API");
    }
    // Whatever okteto down left (or could not run): its clone goes, the original scales back.
    const { findLeftovers, repair } = await repairs();
    let restored = false;
    for (const leftover of await findLeftovers(target.kube, target.namespace)) {
      if (leftover.app !== target.app || leftover.kind !== "okteto") continue;
      target.reporter.step("ok", await repair(target.kube, leftover, target.timeoutMs));
      restored = true;
    }
    return { driver: "okteto", restored, leaseReleased: false };
  },
  async status(target) {
    const { leaseStatusOf } = await import("../../lib/session/status.ts");
    const leased = await leaseStatusOf("okteto", target);
    if (leased) return leased;
    // `okteto up` run by hand: no Lease of ours, but its clone (<app>-okteto) says one is there.
    const clone = await target.kube.get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: (await repairs()).oktetoCloneName(target.app),
      namespace: target.namespace,
    });
    if (!clone) return undefined;
    return {
      driver: "okteto",
      holder: "okteto up (not started by platform)",
      since: clone.metadata.creationTimestamp ?? "",
    };
  },
};
