/**
 * What setup made, and only that: setup labels what it creates and records
 * the helm releases it installed; destroy removes exactly those and keeps
 * (and names) everything else, on a shared cluster whose ingress controller
 * or Crossplane someone else may have installed first.
 */
import { isKindNotServed } from "../errors.ts";
import type { Kube } from "../kube/client.ts";
import type { KubeObject, ObjectRef } from "../kube/types.ts";
import { waitGone } from "../kube/wait.ts";
import type { Reporter } from "../progress.ts";
import type { Component } from "./component.ts";
import { PART_OF_SETUP, SETUP_LABELS } from "./labels.ts";

/** Whether setup created this object. */
export function madeBySetup(object: KubeObject | undefined): boolean {
  return object?.metadata.labels?.[PART_OF_SETUP.key] === PART_OF_SETUP.value;
}

/** What destroy does with one thing setup may have made: remove it, keep it (not setup's), or nothing (absent). */
export type Removal = "remove" | "keep" | "absent";

/** An object goes only when it carries setup's label. */
export function objectRemoval(object: KubeObject | undefined): Removal {
  if (!object) return "absent";
  return madeBySetup(object) ? "remove" : "keep";
}

/**
 * A helm release goes only when setup's marker records installing it: a
 * release of the same name installed by anyone else stays.
 */
export function releaseRemoval(present: boolean, marker: KubeObject | undefined): Removal {
  if (!present) return "absent";
  return madeBySetup(marker) ? "remove" : "keep";
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
    const removal = objectRemoval(existing);
    if (removal === "keep") kept.push(ref);
    if (removal === "remove" && await kube.delete(ref)) deleted.push(ref);
  }
  return { deleted, kept };
}

/** Long enough for a namespace full of things to be emptied by the namespace controller. */
const GONE_TIMEOUT_MS = 5 * 60_000;

/**
 * Deletes the objects among `refs` that setup made and waits for them to
 * be gone; the others are kept and named in a progress line. Returns the
 * names deleted and kept.
 */
export async function removeOurs(
  kube: Kube,
  refs: ObjectRef[],
  reporter: Reporter,
): Promise<{ deleted: string[]; kept: string[] }> {
  const { deleted, kept } = await deleteOurs(kube, refs);
  const named = (list: ObjectRef[]) => list.map((ref) => `${ref.kind} ${ref.name}`).join(", ");
  if (kept.length) reporter.info(`kept (not made by setup): ${named(kept)}`);
  if (deleted.length) reporter.info(`waiting for ${named(deleted)} to go`);
  // In parallel: namespaces take the namespace controller's passes each, 5 to 10 s.
  await Promise.all(deleted.map((ref) => waitGone(kube, ref, GONE_TIMEOUT_MS)));
  return { deleted: deleted.map((ref) => ref.name), kept: kept.map((ref) => ref.name) };
}

/** A removal's step detail: what was deleted and what was kept, or that nothing was left. */
export function removedDetail(deleted: string[], kept: string[]): string {
  const parts = [
    deleted.length ? `${deleted.join(", ")} deleted` : "",
    kept.length ? `kept (not made by setup): ${kept.join(", ")}` : "",
  ].filter(Boolean);
  return parts.join("; ") || "none left";
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
