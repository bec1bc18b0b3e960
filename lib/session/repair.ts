/**
 * Leftovers of sessions that did not end cleanly (kill -9, a closed
 * laptop): an original Deployment still carrying the swap record while its
 * Lease is gone or expired, and okteto's `<app>-okteto` copies whose
 * originals sit at 0 replicas. Found by annotations and names, repaired by
 * the next apply dev, uninstall dev or `platform gc`.
 */
import type { Kube } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { deploymentReadiness, waitFor, waitGone } from "../kube/wait.ts";
import { holderOf, isExpired, readLease, releaseLease } from "./lease.ts";
import { recordOf, restore } from "./swap.ts";

/** One leftover and what is (or would be) done about it. */
export interface Leftover {
  namespace: string;
  app: string;
  kind: "builtin" | "okteto";
  /** Who held the session, when a Lease says so. */
  holder: string;
  action: string;
}

/** Leftovers in a namespace, or in every namespace. A live session is not a leftover. */
export async function findLeftovers(kube: Kube, namespace?: string): Promise<Leftover[]> {
  const { items } = await kube.list("apps/v1", "Deployment", { namespace });
  const leftovers: Leftover[] = [];
  const byName = new Map(
    items.map((item) => [`${item.metadata.namespace}/${item.metadata.name}`, item]),
  );
  for (const deployment of items) {
    const ns = deployment.metadata.namespace!;
    const name = deployment.metadata.name!;
    if (recordOf(deployment)) {
      const lease = await readLease(kube, ns, name);
      if (lease && !isExpired(lease)) continue;
      const holder = lease ? holderOf(lease) : undefined;
      leftovers.push({
        namespace: ns,
        app: name,
        kind: "builtin",
        holder: holder
          ? `${holder.user}@${holder.host} (pid ${holder.pid}, lease expired)`
          : "no lease",
        action: `delete ${name}-dev, scale ${name} back to ${
          recordOf(deployment)!.replicas
        }, verify`,
      });
    } else if (name.endsWith("-okteto")) {
      const original = byName.get(`${ns}/${name.slice(0, -"-okteto".length)}`);
      if (original && (original.spec?.replicas ?? 1) === 0) {
        leftovers.push({
          namespace: ns,
          app: original.metadata.name!,
          kind: "okteto",
          holder: "okteto",
          action: `delete ${name}, scale ${original.metadata.name} back to ${
            oktetoReplicas(original)
          }`,
        });
      }
    }
  }
  return leftovers;
}

// okteto keeps the original's replica count in an annotation on it; 1 when it is missing.
function oktetoReplicas(original: KubeObject): number {
  const annotations = original.metadata.annotations ?? {};
  return Number(
    annotations["dev.okteto.com/replicas"] ?? annotations["okteto.com/replicas"] ?? 1,
  ) || 1;
}

/** Repairs one leftover; returns a line saying what came back. */
export async function repair(kube: Kube, leftover: Leftover, timeoutMs: number): Promise<string> {
  if (leftover.kind === "builtin") {
    const result = await restore(kube, leftover.namespace, leftover.app, timeoutMs);
    await releaseLease(kube, leftover.namespace, leftover.app);
    return `restored ${leftover.namespace}/${leftover.app}: ${result.replicas} replica(s), spec hash ${result.specHash} verified`;
  }
  const copy = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    name: `${leftover.app}-okteto`,
    namespace: leftover.namespace,
  };
  const ref = { ...copy, name: leftover.app };
  const original = await kube.get(ref);
  if (await kube.delete(copy, { propagation: "Foreground" })) await waitGone(kube, copy, timeoutMs);
  const replicas = original ? oktetoReplicas(original) : 1;
  await kube.mergePatch(ref, { spec: { replicas } });
  await waitFor(kube, ref, {
    check: deploymentReadiness,
    timeoutMs,
    what: `${leftover.namespace}/${leftover.app} to be Available again`,
    lookFurther: `kubectl -n ${leftover.namespace} describe deployment ${leftover.app}`,
  });
  return `restored ${leftover.namespace}/${leftover.app} from okteto: ${replicas} replica(s)`;
}
