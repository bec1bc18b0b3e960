/**
 * Leftovers of sessions that did not end cleanly (kill -9, a closed
 * laptop), found by labels, annotations and names, never by a config file:
 * - an original Deployment still carrying the swap record while its Lease
 *   is gone or stale (expired, or its process is gone on this machine);
 * - a dev copy whose original has no record any more;
 * - a stale session Lease with nothing else left;
 * - whatever a session driver recognises as its own (okteto's clones),
 *   through {@link LeftoverFinder}: the knowledge stays in the driver;
 * - a claim's Objects a session paused, when nothing of that session is
 *   left to restore them (killed between pausing and recording, or an
 *   okteto session's).
 * Repaired by the next apply dev, uninstall dev or `platform gc`.
 */
import type { Kube } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { ROLE_LABEL } from "../identity.ts";
import { holderOf, LEASE_ROLE, leaseRef, releaseLease, staleReason } from "./lease.ts";
import { COPY_ROLE, copyName, differencesWarning, recordOf, restore } from "./swap.ts";
import { findPausedObjects, type ObjectRef, unpauseOwners } from "./composition.ts";

/** One leftover and what is (or would be) done about it. */
export interface Leftover {
  namespace: string;
  app: string;
  /** `builtin`, `lease`, `paused`, or the name of the driver whose leftover it is. */
  kind: string;
  /** Who held the session, and why it counts as over. */
  holder: string;
  action: string;
  /** The paused Object (kind `paused`). */
  object?: ObjectRef;
}

/** What gc listed, for a driver to recognise its own leftovers in (pure). */
export interface LeftoverScan {
  /** Every Deployment listed. */
  deployments: readonly KubeObject[];
  /** One of them by namespace and name. */
  deployment(namespace: string, name: string): KubeObject | undefined;
  /** Whether a live session Lease covers the app. */
  live(namespace: string, app: string): boolean;
  /** Who held the app's session and why it is over; undefined without a Lease. */
  holder(namespace: string, app: string): string | undefined;
}

/** A session driver's part in finding and repairing leftovers. */
export interface LeftoverFinder {
  readonly name: string;
  /** Its leftovers among what was listed; their `kind` is the driver's name. */
  leftovers?(scan: LeftoverScan): Leftover[];
  /** Repairs one of them; returns a line saying what came back. */
  repairLeftover?(kube: Kube, leftover: Leftover, timeoutMs: number): Promise<string>;
}

function holderText(lease: KubeObject | undefined): string {
  if (!lease) return "no lease";
  const holder = holderOf(lease);
  return `${holder.user}@${holder.host} (pid ${holder.pid}, ${staleReason(lease)})`;
}

/** Leftovers in a namespace, or in every namespace. A live session is not a leftover. */
export async function findLeftovers(
  kube: Kube,
  namespace?: string,
  drivers: readonly LeftoverFinder[] = [],
): Promise<Leftover[]> {
  const [deployments, leases, paused] = await Promise.all([
    kube.list("apps/v1", "Deployment", { namespace }),
    kube.list("coordination.k8s.io/v1", "Lease", {
      namespace,
      labelSelector: `${ROLE_LABEL}=${LEASE_ROLE}`,
    }),
    findPausedObjects(kube, namespace),
  ]);
  const key = (ns: string | undefined, name: string) => `${ns}/${name}`;
  const byName = new Map(deployments.items.map((item) => [
    key(item.metadata.namespace, item.metadata.name!),
    item,
  ]));
  const leaseOf = new Map(leases.items.map((lease) => [
    key(lease.metadata.namespace, lease.metadata.name!.replace(/-dev$/, "")),
    lease,
  ]));
  const live = (ns: string, app: string) => {
    const lease = leaseOf.get(key(ns, app));
    return lease !== undefined && staleReason(lease) === undefined;
  };
  const leftovers: Leftover[] = [];
  const handled = new Set<string>();
  for (const deployment of deployments.items) {
    const ns = deployment.metadata.namespace!;
    const name = deployment.metadata.name!;
    const record = recordOf(deployment);
    if (record) {
      if (live(ns, name)) continue;
      handled.add(key(ns, name));
      leftovers.push({
        namespace: ns,
        app: name,
        kind: "builtin",
        holder: holderText(leaseOf.get(key(ns, name))),
        action: `delete ${record.copy}, scale ${name} back to ${record.replicas}, verify`,
      });
      continue;
    }
    const copyOf = deployment.metadata.labels?.[ROLE_LABEL] === COPY_ROLE &&
      name.endsWith("-dev") && name.slice(0, -"-dev".length);
    if (copyOf && !recordOf(byName.get(key(ns, copyOf))) && !live(ns, copyOf)) {
      handled.add(key(ns, copyOf));
      leftovers.push({
        namespace: ns,
        app: copyOf,
        kind: "builtin",
        holder: holderText(leaseOf.get(key(ns, copyOf))),
        action: `delete ${name} (its original has no session record)`,
      });
      continue;
    }
  }
  const scan: LeftoverScan = {
    deployments: deployments.items,
    deployment: (ns, name) => byName.get(key(ns, name)),
    live,
    holder: (ns, app) => {
      const lease = leaseOf.get(key(ns, app));
      return lease ? holderText(lease) : undefined;
    },
  };
  for (const driver of drivers) {
    for (const leftover of driver.leftovers?.(scan) ?? []) {
      if (handled.has(key(leftover.namespace, leftover.app))) continue;
      handled.add(key(leftover.namespace, leftover.app));
      leftovers.push(leftover);
    }
  }
  for (const { ref, namespace: ns, app } of paused) {
    // A live session keeps it paused; a swap record means the builtin restore unpauses it.
    if (live(ns, app) || recordOf(byName.get(key(ns, app)))) continue;
    leftovers.push({
      namespace: ns,
      app,
      kind: "paused",
      holder: holderText(leaseOf.get(key(ns, app))),
      action: `unpause Object ${ref.name} (paused for a session that is over)`,
      object: ref,
    });
  }
  for (const lease of leases.items) {
    const ns = lease.metadata.namespace!;
    const app = lease.metadata.name!.replace(/-dev$/, "");
    if (handled.has(key(ns, app)) || staleReason(lease) === undefined) continue;
    leftovers.push({
      namespace: ns,
      app,
      kind: "lease",
      holder: holderText(lease),
      action: `delete the stale lease ${lease.metadata.name}`,
    });
  }
  return leftovers;
}

/** Repairs one leftover; returns a line saying what came back. */
export async function repair(
  kube: Kube,
  leftover: Leftover,
  timeoutMs: number,
  drivers: readonly LeftoverFinder[] = [],
): Promise<string> {
  const { namespace, app } = leftover;
  if (leftover.kind === "lease") {
    await releaseLease(kube, namespace, app);
    return `deleted the stale session lease ${leaseRef(namespace, app).name} in ${namespace}`;
  }
  if (leftover.kind === "paused" && leftover.object) {
    const { unpaused, differences } = await unpauseOwners(kube, [leftover.object], {
      namespace,
      app,
    });
    if (!unpaused.length) return `Object ${leftover.object.name} was already unpaused`;
    return differences.length
      ? `unpaused Object ${leftover.object.name}; warning: ${differences.join("; ")}`
      : `unpaused Object ${leftover.object.name}: its controller reconciles ${namespace}/${app} again`;
  }
  if (leftover.kind === "builtin") {
    let result;
    try {
      result = await restore(kube, namespace, app, timeoutMs);
    } finally {
      await releaseLease(kube, namespace, app);
    }
    if (!result.restored) return `deleted the orphaned dev copy ${namespace}/${copyName(app)}`;
    return result.verified
      ? `restored ${namespace}/${app}: ${result.replicas} replica(s), spec hash ${result.specHash} verified`
      : `restored ${namespace}/${app}; warning: ${differencesWarning(namespace, app, result)}`;
  }
  const driver = drivers.find((candidate) => candidate.name === leftover.kind);
  if (!driver?.repairLeftover) {
    throw new Error(`no session driver repairs leftovers of kind ${leftover.kind}`);
  }
  const line = await driver.repairLeftover(kube, leftover, timeoutMs);
  // A wrapped driver's Lease is the session's too: it goes with what the session left.
  await releaseLease(kube, namespace, app);
  return line;
}
