/**
 * `uninstall dev`: delete what apply made, found by labels, and wait until
 * it is gone. Running it twice is fine: the second run finds nothing.
 */
import { ANNOTATIONS, assertDnsLabel } from "../identity.ts";
import { describeRef, refOf } from "../kube/types.ts";
import { waitGone } from "../kube/wait.ts";
import { formatDuration, type Reporter, silentReporter } from "../progress.ts";
import type { Kube } from "../kube/client.ts";
import { compositionRole } from "../crossplane/objects.ts";
import { type Composed, composedOf, waitComposedGone } from "../crossplane/composed_gone.ts";
import { connectFrom } from "../connect.ts";
import { type DevCommandOptions, namespaceFor } from "./target.ts";
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
  /** A connection to use instead of a new one (tests count its requests). */
  kube?: Kube;
}

/** The record `uninstall dev` returns. */
export interface UninstallDevResult {
  user: string;
  app: string;
  namespace: string;
  deleted: { kind: string; name: string; namespace?: string }[];
  /** What the deleted claims composed (Objects, then what they applied), awaited until gone. */
  composed: { kind: string; name: string; namespace?: string }[];
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
  const { settings, kube } = await connectFrom(options);
  const namespace = namespaceFor(settings, user);
  const timeoutMs = settings.timeout * 1000;
  const nothing = (): UninstallDevResult => ({
    user,
    app: settings.app,
    namespace,
    deleted: [],
    composed: [],
    namespaceDeleted: false,
    result: "nothing to delete",
    elapsed: formatDuration(Date.now() - started),
  });

  // Everything platform makes for a user (the environment, a session's copies and Lease) lives
  // in their namespace: without one there is nothing to look for, and one request says so where
  // the session and object checks below take a round trip each. Rights that end at the
  // namespace cannot read it; then the checks run as always.
  const home = await kube.get({ apiVersion: "v1", kind: "Namespace", name: namespace }).catch(
    (error) => {
      if (isForbidden(error)) return "unreadable" as const;
      throw error;
    },
  );
  if (home === undefined) return nothing();

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
  const wait = options.wait !== false;
  // What a claim composed is read before the claim goes: afterwards its Objects are deleted too.
  const composed = wait
    ? await Promise.all(
      objects.filter((object) => compositionRole(object) === "claim").map((claim) =>
        composedOf(kube, claim)
      ),
    )
    : [];
  for (const object of objects) {
    await kube.delete(refOf(object), { propagation: "Foreground" });
    reporter.step("ok", `${describeRef(refOf(object))} deleted`);
  }
  if (wait) {
    await Promise.all([
      ...objects.map((object) => waitGone(kube, refOf(object), timeoutMs)),
      ...composed.map((what) => awaitComposed(kube, what, timeoutMs, reporter)),
    ]);
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
    composed: composed.flatMap((what) =>
      what.refs.map(({ kind, name, namespace }) => ({ kind, name, namespace }))
    ),
    namespaceDeleted,
    result: objects.length || namespaceDeleted ? "deleted" : "nothing to delete",
    elapsed: formatDuration(Date.now() - started),
  };
}

/** Waits until what a deleted claim composed is gone, saying what it waits for and how long. */
async function awaitComposed(
  kube: Kube,
  composed: Composed,
  timeoutMs: number,
  reporter: Reporter,
): Promise<void> {
  const claim = describeRef(composed.claim);
  for (const hidden of composed.hidden) {
    reporter.info(`${hidden}: what ${claim} composed there is not awaited`);
  }
  if (!composed.refs.length) return;
  const started = Date.now();
  reporter.info(
    `waiting up to ${
      Math.round(timeoutMs / 1000)
    } s (--timeout) for the ${composed.refs.length} objects ` +
      `${claim} composed to be deleted`,
  );
  const unwatched = await waitComposedGone(kube, composed, timeoutMs);
  for (const ref of unwatched) {
    reporter.info(`${describeRef(ref)}: not allowed to watch it; not awaited`);
  }
  const counts = new Map<string, number>();
  for (const ref of composed.refs) counts.set(ref.kind, (counts.get(ref.kind) ?? 0) + 1);
  const kinds = [...counts].map(([kind, n]) => n > 1 ? `${n} ${kind}s` : kind).join(", ");
  reporter.step(
    "ok",
    `what ${claim} composed is gone (${kinds}) after ${formatDuration(Date.now() - started)}`,
  );
}
