/**
 * What setup made, and only that: setup labels what it creates and records
 * the helm releases it installed; destroy removes exactly those and keeps
 * (and names) everything else, on a shared cluster whose ingress controller
 * or Crossplane someone else may have installed first.
 */
import { isKindNotServed } from "../errors.ts";
import type { Kube } from "../kube/client.ts";
import type { KubeObject, ObjectRef } from "../kube/types.ts";
import type { Component } from "./components.ts";
import { PART_OF_SETUP, SETUP_LABELS } from "./labels.ts";

/** Whether setup created this object. */
export function madeBySetup(object: KubeObject | undefined): boolean {
  return object?.metadata.labels?.[PART_OF_SETUP.key] === PART_OF_SETUP.value;
}

/**
 * Applies `object` unless an object of that name exists that setup did not
 * create: then it is left exactly as it is. Returns what happened.
 */
export async function applyIfOurs(
  kube: Kube,
  object: KubeObject,
): Promise<"created" | "configured" | "unchanged" | "kept"> {
  const ref = {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name!,
    namespace: object.metadata.namespace,
  };
  const existing = await kube.get(ref);
  if (existing && !madeBySetup(existing)) return "kept";
  return (await kube.apply(object)).action;
}

/**
 * Deletes the objects setup made among `refs`; returns the deleted and the
 * kept (present, but not setup's). A kind no longer served has nothing left.
 */
export async function deleteOurs(
  kube: Kube,
  refs: ObjectRef[],
): Promise<{ deleted: ObjectRef[]; kept: ObjectRef[] }> {
  const deleted: ObjectRef[] = [];
  const kept: ObjectRef[] = [];
  for (const ref of refs) {
    let existing: KubeObject | undefined;
    try {
      existing = await kube.get(ref);
    } catch (error) {
      if (isKindNotServed(error)) continue;
      throw error;
    }
    if (!existing) continue;
    if (!madeBySetup(existing)) {
      kept.push(ref);
      continue;
    }
    if (await kube.delete(ref)) deleted.push(ref);
  }
  return { deleted, kept };
}

/** The ConfigMap that records that setup installed a component's release. */
export function releaseMarkerRef(component: Component): ObjectRef {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    namespace: component.namespace,
    name: `platform-setup-${component.name}`,
  };
}

/** Whether setup installed the component's release (its marker is there). */
export async function installedBySetup(kube: Kube, component: Component): Promise<boolean> {
  return madeBySetup(await kube.get(releaseMarkerRef(component)));
}

/** Records that setup installed (and so may upgrade and uninstall) the release. */
export async function recordRelease(kube: Kube, component: Component): Promise<void> {
  const ref = releaseMarkerRef(component);
  await kube.apply({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: ref.name, namespace: ref.namespace, labels: SETUP_LABELS },
    data: { release: component.name, chart: component.chart, version: component.version },
  });
}

/** Drops the record after the release is uninstalled. */
export async function forgetRelease(kube: Kube, component: Component): Promise<void> {
  await kube.delete(releaseMarkerRef(component));
}
