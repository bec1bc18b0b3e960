/**
 * What Crossplane composed for a claim (or a composite), found the way
 * Crossplane marks it: provider-kubernetes `Object`s carry the labels
 * `crossplane.io/claim-name`, `crossplane.io/claim-namespace` and
 * `crossplane.io/composite`, and each wraps the manifest it applies in
 * `spec.forProvider.manifest`. Names are never guessed: a composition may
 * name its Objects however it likes.
 *
 * Read-only. Object kinds this identity may not list are reported, not
 * fatal: a developer whose rights end at their namespace usually cannot
 * list the cluster-scoped Objects of Crossplane v1.
 */
import { isForbidden } from "../errors.ts";
import type { Kube } from "../kube/client.ts";
import type { KubeObject, ObjectRef } from "../kube/types.ts";

/** Crossplane's labels on what it composes. */
export const CROSSPLANE_LABELS = {
  claimName: "crossplane.io/claim-name",
  claimNamespace: "crossplane.io/claim-namespace",
  composite: "crossplane.io/composite",
} as const;

/** Crossplane's pause annotation: `"true"` stops every reconcile of the object. */
export const PAUSED_ANNOTATION = "crossplane.io/paused";

/** The kind of provider-kubernetes' managed resource. */
export const OBJECT_KIND = "Object";

/**
 * provider-kubernetes' Object APIs: cluster-scoped (Crossplane v1) and
 * namespaced (v2). The versions of one group serve the same objects, so
 * only the first one served is listed; newest first.
 */
const OBJECT_GROUPS = [
  { group: "kubernetes.crossplane.io", versions: ["v1alpha2", "v1alpha1"], namespaced: false },
  { group: "kubernetes.m.crossplane.io", versions: ["v1alpha1"], namespaced: true },
] as const;

/** One served Object API. */
export interface ObjectApi {
  apiVersion: string;
  namespaced: boolean;
}

/** The Object APIs this cluster serves, one version per group (discovery, cached per connection). */
export async function servedObjectApis(kube: Kube): Promise<ObjectApi[]> {
  const groups = await Promise.all(OBJECT_GROUPS.map(async ({ group, versions, namespaced }) => {
    const served = await Promise.all(versions.map(async (version) => {
      const resources = await kube.resourcesOf(`${group}/${version}`);
      return resources?.some((resource) => resource.kind === OBJECT_KIND) ?? false;
    }));
    const version = versions.find((_, index) => served[index]);
    return version ? { apiVersion: `${group}/${version}`, namespaced } : undefined;
  }));
  return groups.filter((api) => api !== undefined);
}

/** Whose composed Objects to find: a claim, or a composite. */
export type CompositionOwner =
  | { claim: string; namespace: string }
  | { composite: string; namespace?: string };

/** The label selector of what `owner` composed. */
export function composedSelector(owner: CompositionOwner): string {
  return "claim" in owner
    ? `${CROSSPLANE_LABELS.claimName}=${owner.claim},${CROSSPLANE_LABELS.claimNamespace}=${owner.namespace}`
    : `${CROSSPLANE_LABELS.composite}=${owner.composite}`;
}

/** The Objects of a composition, and what could not be looked at. */
export interface ComposedObjects {
  /** The Objects found, sorted by name. */
  objects: KubeObject[];
  /** One phrase per Object API this identity may not list. */
  hidden: string[];
}

/** The phrase for an Object API that may not be listed. */
export function hiddenPhrase(api: ObjectApi, namespace?: string): string {
  return `not allowed to list Objects of ${api.apiVersion} ${
    api.namespaced ? `in namespace ${namespace}` : "(cluster-scoped)"
  }`;
}

/**
 * The Objects `owner` composed: one labelled list per served Object API,
 * sent in parallel. Namespaced Objects are looked for in the owner's
 * namespace, where Crossplane v2 puts them.
 */
export async function composedObjects(
  kube: Kube,
  owner: CompositionOwner,
): Promise<ComposedObjects> {
  const labelSelector = composedSelector(owner);
  const apis = await servedObjectApis(kube);
  const hidden: string[] = [];
  const lists = await Promise.all(apis.map(async (api) => {
    if (api.namespaced && !owner.namespace) return [];
    try {
      const namespace = api.namespaced ? owner.namespace : undefined;
      return (await kube.list(api.apiVersion, OBJECT_KIND, { labelSelector, namespace })).items;
    } catch (error) {
      if (!isForbidden(error)) throw error;
      hidden.push(hiddenPhrase(api, owner.namespace));
      return [];
    }
  }));
  const objects = lists.flat().sort((a, b) =>
    (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "")
  );
  return { objects, hidden };
}

/**
 * The object an Object's manifest applies: the manifest's namespace, else
 * the Object's own (a namespaced Object applies beside itself). Undefined
 * when the manifest names no kind or name.
 */
export function targetOf(object: KubeObject): ObjectRef | undefined {
  const manifest = object.spec?.forProvider?.manifest;
  const { apiVersion, kind } = manifest ?? {};
  const name = manifest?.metadata?.name;
  if (typeof apiVersion !== "string" || typeof kind !== "string" || typeof name !== "string") {
    return undefined;
  }
  const namespace = manifest.metadata?.namespace ?? object.metadata.namespace;
  return { apiVersion, kind, name, ...(namespace ? { namespace } : {}) };
}

/** Whether Crossplane's pause annotation is on the object. */
export function isPaused(object: KubeObject | undefined): boolean {
  return object?.metadata.annotations?.[PAUSED_ANNOTATION] === "true";
}

/**
 * What an object is to Crossplane, from its shape: a composite lists what
 * it composed (`spec.resourceRefs`; `spec.crossplane` in v2) or names its
 * claim; a claim lives in a namespace and names its composition or its
 * composite (`spec.resourceRef`), which it may not have yet.
 */
export function compositionRole(object: KubeObject): "claim" | "composite" | undefined {
  const spec = object.spec ?? {};
  if (spec.crossplane || spec.claimRef || Array.isArray(spec.resourceRefs)) return "composite";
  const composed = Boolean(
    spec.resourceRef?.kind || spec.compositionRef || spec.compositionSelector,
  );
  if (!composed) return undefined;
  return object.metadata.namespace ? "claim" : "composite";
}
