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

import {
  OKTETO_CLONE_LABEL,
  oktetoCloneName,
  oktetoLeftovers,
  undoOktetoSwap,
} from "./okteto_swap.ts";
import { lazy } from "../../lib/lazy.ts";
/** The claim code: which Objects re-assert the Deployment okteto swaps, and their pause. */
const compositions = () =>
  lazy<typeof import("../../lib/session/composition.ts")>(
    "../../lib/session/composition.ts",
    import.meta.url,
  );

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
    const { findWorkload, pauseOwners } = await compositions();
    // okteto up scales the original to 0 as the builtin driver does: a claim's Objects
    // would scale it back, so they are paused first (and the session refused if they cannot be).
    const workload = await findWorkload(target.kube, target.namespace, target.app);
    return await foregroundSession(
      this,
      oktetoUp({ ...target, cluster: clusterOf(target) }),
      target,
      async () => {
        if (!workload.owners.length) return;
        const { paused, warnings } = await pauseOwners(target.kube, workload.owners, {
          namespace: target.namespace,
          app: target.app,
        });
        for (const warning of warnings) target.reporter.step("fail", `warning: ${warning}`);
        if (paused.length) {
          target.reporter.step(
            "ok",
            `paused ${paused.map((ref) => ref.name).join(", ")} for the session (${workload.via})`,
          );
        }
      },
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
    const undone = await undoOktetoSwap(
      target.kube,
      target.namespace,
      target.app,
      target.timeoutMs,
    );
    if (undone) target.reporter.step("ok", undone);
    const restored = undone !== undefined;
    // The Objects paused for the session reconcile again once okteto's swap is undone.
    const { findPausedObjects, unpauseOwners } = await compositions();
    const paused = (await findPausedObjects(target.kube, target.namespace))
      .filter((found) => found.app === target.app).map((found) => found.ref);
    if (paused.length) {
      const { unpaused, differences } = await unpauseOwners(target.kube, paused, target);
      for (const difference of differences) target.reporter.step("fail", `warning: ${difference}`);
      if (unpaused.length) {
        target.reporter.step("ok", `unpaused ${unpaused.map((ref) => ref.name).join(", ")}`);
      }
    }
    return { driver: "okteto", restored, leaseReleased: false };
  },
  marker: { selector: OKTETO_CLONE_LABEL, name: oktetoCloneName },
  leftovers: oktetoLeftovers,
  async repairLeftover(kube, leftover, timeoutMs) {
    const undone = await undoOktetoSwap(
      kube,
      leftover.namespace,
      leftover.app,
      timeoutMs,
    );
    return undone ?? `nothing of okteto's was left on ${leftover.namespace}/${leftover.app}`;
  },
  async status(target) {
    const { leaseStatusOf } = await lazy<typeof import("../../lib/session/status.ts")>(
      "../../lib/session/status.ts",
      import.meta.url,
    );
    // `okteto up` run by hand: no Lease of ours, but its clone (<app>-okteto) says one is there.
    // Asked for beside the Lease, not after it: a round trip less when there is no Lease.
    const cloneRead = target.kube.get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: oktetoCloneName(target.app),
      namespace: target.namespace,
    });
    cloneRead.catch(() => {}); // unread when the Lease answers
    const leased = await leaseStatusOf("okteto", target);
    if (leased) return leased;
    const clone = await cloneRead;
    if (!clone) return undefined;
    return {
      driver: "okteto",
      holder: "okteto up (not started by platform)",
      since: clone.metadata.creationTimestamp ?? "",
    };
  },
};
