/**
 * What else lives in a namespace: before uninstall deletes a namespace that
 * apply dev created, every namespaced kind the caller may list is looked at,
 * claims and the developer's own workloads included. Anything platform did
 * not make keeps the namespace (a PVC, a database, another app's claim).
 */
import { LABELS, MANAGER } from "../identity.ts";
import type { Kube } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";

/**
 * Made by Kubernetes itself for every namespace or for objects platform
 * made (gone with them): not reasons to keep a namespace.
 */
const HOUSEKEEPING = new Set([
  "v1/Event",
  "events.k8s.io/v1/Event",
  "v1/Endpoints",
  "discovery.k8s.io/v1/EndpointSlice",
  "v1/ServiceAccount:default",
  "v1/ConfigMap:kube-root-ca.crt",
]);

function housekeeping(apiVersion: string, kind: string, object: KubeObject): boolean {
  return HOUSEKEEPING.has(`${apiVersion}/${kind}`) ||
    HOUSEKEEPING.has(`${apiVersion}/${kind}:${object.metadata.name}`) ||
    // Pods and ReplicaSets of platform's Deployments, Secrets of its ExternalSecrets: owned.
    (object.metadata.ownerReferences?.length ?? 0) > 0;
}

/**
 * `kind/name` of everything in `namespace` that is not `app`'s environment:
 * what platform did not make, and other platform apps' environments.
 * Kinds the caller may not list are skipped (and named in `unchecked`).
 */
export async function foreignObjects(
  kube: Kube,
  namespace: string,
  app: string,
): Promise<{ foreign: string[]; unchecked: string[] }> {
  const groups = await kube.request<{ groups: { preferredVersion: { groupVersion: string } }[] }>(
    "GET",
    "/apis",
    { about: { verb: "get", resource: "API groups" } },
  );
  const versions = ["v1", ...groups.groups.map((group) => group.preferredVersion.groupVersion)];
  const resources = (await Promise.all(versions.map((version) => kube.resourcesOf(version))))
    .flatMap((list) => list ?? [])
    .filter((resource) => resource.namespaced && resource.verbs.includes("list"));
  const foreign: string[] = [];
  const unchecked: string[] = [];
  await Promise.all(resources.map(async (resource) => {
    let items: KubeObject[];
    try {
      items = (await kube.list(resource.apiVersion, resource.kind, { namespace })).items;
    } catch {
      unchecked.push(resource.kind);
      return;
    }
    for (const object of items) {
      const labels = object.metadata.labels ?? {};
      if (labels[LABELS.managedBy] === MANAGER && labels[LABELS.app] === app) continue;
      if (housekeeping(resource.apiVersion, resource.kind, object)) continue;
      foreign.push(`${resource.kind}/${object.metadata.name}`);
    }
  }));
  return { foreign: foreign.sort(), unchecked: unchecked.sort() };
}
