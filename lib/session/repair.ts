/**
 * Leftovers of sessions that did not end cleanly (kill -9, a closed
 * laptop), found by labels, annotations and names, never by a config file:
 * - an original Deployment still carrying the swap record while its Lease
 *   is gone or stale (expired, or its process is gone on this machine);
 * - a dev copy whose original has no record any more;
 * - a stale session Lease with nothing else left;
 * - okteto's `<app>-okteto` clones whose originals sit at 0 replicas;
 * - a claim's Objects a session paused, when nothing of that session is
 *   left to restore them (killed between pausing and recording, or an
 *   okteto session's).
 * Repaired by the next apply dev, uninstall dev or `platform gc`.
 */
import type { Kube } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { deploymentReadiness, waitFor, waitGone } from "../kube/wait.ts";
import { ROLE_LABEL } from "../identity.ts";
import { holderOf, LEASE_ROLE, leaseRef, releaseLease, staleReason } from "./lease.ts";
import { COPY_ROLE, copyName, differencesWarning, recordOf, restore } from "./swap.ts";
import { findPausedObjects, type ObjectRef, unpauseOwners } from "./composition.ts";

/** okteto's label on its clones (value: the original's UID). */
export const OKTETO_CLONE_LABEL = "dev.okteto.com/clone";
/** okteto's label on an original in dev mode. */
export const OKTETO_DEV_LABEL = "dev.okteto.com";
/** okteto's annotation with the original's replicas before dev mode. */
export const OKTETO_REPLICAS_ANNOTATION = "dev.okteto.com/replicas";
/** The name okteto gives the clone of `app`. */
export const oktetoCloneName = (app: string) => `${app}-okteto`;

/** One leftover and what is (or would be) done about it. */
export interface Leftover {
  namespace: string;
  app: string;
  kind: "builtin" | "okteto" | "lease" | "paused";
  /** Who held the session, and why it counts as over. */
  holder: string;
  action: string;
  /** The paused Object (kind `paused`). */
  object?: ObjectRef;
}

const deploymentRef = (namespace: string, name: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  name,
  namespace,
});

function holderText(lease: KubeObject | undefined): string {
  if (!lease) return "no lease";
  const holder = holderOf(lease);
  return `${holder.user}@${holder.host} (pid ${holder.pid}, ${staleReason(lease)})`;
}

/** Leftovers in a namespace, or in every namespace. A live session is not a leftover. */
export async function findLeftovers(kube: Kube, namespace?: string): Promise<Leftover[]> {
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
    // okteto names its clone <app>-okteto (and labels it OKTETO_CLONE_LABEL; older versions did not).
    if (!name.endsWith("-okteto")) continue;
    const app = name.slice(0, -"-okteto".length);
    const original = byName.get(key(ns, app));
    if (!original || (original.spec?.replicas ?? 1) !== 0 || live(ns, app)) continue;
    handled.add(key(ns, app));
    leftovers.push({
      namespace: ns,
      app,
      kind: "okteto",
      holder: leaseOf.has(key(ns, app)) ? holderText(leaseOf.get(key(ns, app))) : "okteto",
      action: `delete ${name}, scale ${app} back to ${oktetoReplicas(original)}`,
    });
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

// okteto keeps the original's replica count in an annotation on it; 1 when it is missing.
function oktetoReplicas(original: KubeObject): number {
  const annotations = original.metadata.annotations ?? {};
  return Number(
    annotations[OKTETO_REPLICAS_ANNOTATION] ?? annotations["okteto.com/replicas"] ?? 1,
  ) ||
    1;
}

/** Repairs one leftover; returns a line saying what came back. */
export async function repair(kube: Kube, leftover: Leftover, timeoutMs: number): Promise<string> {
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
  const copy = deploymentRef(namespace, oktetoCloneName(app));
  const ref = deploymentRef(namespace, app);
  const original = await kube.get(ref);
  if (await kube.delete(copy, { propagation: "Foreground" })) await waitGone(kube, copy, timeoutMs);
  const replicas = original ? oktetoReplicas(original) : 1;
  // What `okteto down` does: replicas back, its dev-mode marks off.
  await kube.mergePatch(ref, {
    metadata: {
      labels: { [OKTETO_DEV_LABEL]: null },
      annotations: { [OKTETO_REPLICAS_ANNOTATION]: null },
    },
    spec: { replicas },
  });
  await waitFor(kube, ref, {
    check: deploymentReadiness,
    timeoutMs,
    what: `${namespace}/${app} to be Available again`,
    lookFurther: `kubectl -n ${namespace} describe deployment ${app}`,
  });
  await releaseLease(kube, namespace, app);
  return `restored ${namespace}/${app} from okteto: ${replicas} replica(s)`;
}
