/**
 * `uninstall dev`: delete what apply made, found by labels, and wait until
 * it is gone. Running it twice is fine: the second run finds nothing.
 */
import { ANNOTATIONS, assertDnsLabel } from "../identity.ts";
import { describeRef, refOf } from "../kube/types.ts";
import { waitGone } from "../kube/wait.ts";
import { formatDuration, silentReporter } from "../progress.ts";
import { loadSettings } from "../settings.ts";
import { connect, type DevCommandOptions, namespaceFor } from "./target.ts";
import { environmentObjects } from "./environments.ts";
import { isForbidden } from "../errors.ts";
import { foreignObjects } from "./namespace_contents.ts";
import { stopSession } from "./session.ts";

/** Options of {@link uninstallDev}. */
export interface UninstallDevOptions extends DevCommandOptions {
  /** Keep a namespace that apply dev created (default: delete it). */
  keepNamespace?: boolean;
  /** Return without waiting for deletion to finish. */
  wait?: boolean;
}

/** The record `uninstall dev` returns. */
export interface UninstallDevResult {
  user: string;
  app: string;
  namespace: string;
  deleted: { kind: string; name: string; namespace?: string }[];
  namespaceDeleted: boolean;
  result: "deleted" | "nothing to delete";
  elapsed: string;
}

/** Deletes `user`'s environment of the configured app. */
export async function uninstallDev(
  user: string,
  options: UninstallDevOptions = {},
): Promise<UninstallDevResult> {
  const started = Date.now();
  assertDnsLabel("user name", user);
  const reporter = options.reporter ?? silentReporter;
  const settings = await loadSettings({ flags: options.flags, env: options.env, cwd: options.cwd });
  const namespace = namespaceFor(settings, user);
  const kube = await connect(settings);
  const timeoutMs = settings.timeout * 1000;

  // The session first, whichever driver started it: the original comes back before it is deleted.
  const stopped = await stopSession(kube, settings, {
    namespace,
    user,
    dir: options.cwd ?? Deno.cwd(),
    env: options.env ?? Deno.env.toObject(),
  }, reporter);
  if (stopped) {
    const restored = stopped.restored && stopped.specHash
      ? `; ${namespace}/${settings.app} restored: ${stopped.replicas} replica(s), spec hash ${stopped.specHash} ${
        stopped.verified ? "verified" : `differs: ${(stopped.differences ?? []).join("; ")}`
      }`
      : "";
    reporter.step(
      "ok",
      `session (${stopped.driver}) ended${restored}${
        stopped.leaseReleased ? "; lease released" : ""
      }`,
    );
  }
  const objects = await environmentObjects(kube, user, settings.app, namespace);
  for (const object of objects) {
    await kube.delete(refOf(object), { propagation: "Foreground" });
    reporter.step("ok", `${describeRef(refOf(object))} deleted`);
  }
  if (options.wait !== false) {
    for (const object of objects) await waitGone(kube, refOf(object), timeoutMs);
  }

  let namespaceDeleted = false;
  // Rights that end at the namespace cannot read it: then it stays, and that is said.
  const ns = await kube.get({ apiVersion: "v1", kind: "Namespace", name: namespace }).catch(
    (error) => {
      if (!isForbidden(error)) throw error;
      reporter.step("skip", `namespace ${namespace} kept: not allowed to read it`);
      return undefined;
    },
  );
  const createdByApply = ns?.metadata.annotations?.[ANNOTATIONS.createdBy] === "apply-dev";
  if (ns && createdByApply && !options.keepNamespace && !ns.metadata.deletionTimestamp) {
    const { foreign, unchecked } = await foreignObjects(kube, namespace, settings.app);
    if (foreign.length === 0 && unchecked.length === 0) {
      await kube.delete(refOf(ns));
      namespaceDeleted = true;
      reporter.step("ok", `namespace ${namespace} deleted (apply dev had created it)`);
      if (options.wait !== false) await waitGone(kube, refOf(ns), timeoutMs);
    } else {
      const shown = foreign.slice(0, 5).join(", ") + (foreign.length > 5 ? ", …" : "");
      reporter.step(
        "skip",
        foreign.length
          ? `namespace ${namespace} kept: it holds what platform did not make (${shown})`
          : `namespace ${namespace} kept: not allowed to look at ${unchecked.join(", ")} in it`,
      );
    }
  }
  return {
    user,
    app: settings.app,
    namespace,
    deleted: objects.map((object) => ({
      kind: object.kind,
      name: object.metadata.name ?? "",
      namespace: object.metadata.namespace,
    })),
    namespaceDeleted,
    result: objects.length || namespaceDeleted ? "deleted" : "nothing to delete",
    elapsed: formatDuration(Date.now() - started),
  };
}
