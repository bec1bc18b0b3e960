/**
 * Deleting a claim returns at once; what it composed goes afterwards, as
 * Crossplane deletes the composite, each Object's finalizer deletes what
 * the Object applied, and then the Object itself. `uninstall dev` waits for
 * all of it, so "uninstalled" means nothing composed is left: read what the
 * claim composed before deleting it, then watch each of those go.
 */
import { isForbidden, PlatformError } from "../errors.ts";
import type { Kube } from "../kube/client.ts";
import type { KubeObject, ObjectRef } from "../kube/types.ts";
import { describeRef, refOf } from "../kube/types.ts";
import { waitGone } from "../kube/wait.ts";
import { composedObjects, composedSelector, isPaused, targetOf } from "./objects.ts";

/** What a claim composed, read before it is deleted. */
export interface Composed {
  /** The claim, for messages. */
  claim: ObjectRef;
  /** Its composite, its Objects, then what they apply. */
  refs: ObjectRef[];
  /** Object APIs this identity may not list: what they hold cannot be awaited. */
  hidden: string[];
}

/**
 * Reads what `claim` composed: its composite (`spec.resourceRef`), the
 * Objects carrying its labels, and what each Object applies.
 */
export async function composedOf(kube: Kube, claim: KubeObject): Promise<Composed> {
  const { objects, hidden } = await composedObjects(kube, {
    claim: claim.metadata.name ?? "",
    namespace: claim.metadata.namespace ?? "",
  });
  const { apiVersion, kind, name } = claim.spec?.resourceRef ?? {};
  const composite = apiVersion && kind && name ? [{ apiVersion, kind, name }] : [];
  const targets = objects.map(targetOf).filter((ref) => ref !== undefined);
  return { claim: refOf(claim), refs: [...composite, ...objects.map(refOf), ...targets], hidden };
}

/** One phrase for what is left: `Object x (paused)`, `Deployment alice/app`. */
function leftPhrase(ref: ObjectRef, object: KubeObject): string {
  return `${describeRef(ref)}${isPaused(object) ? " (paused)" : ""}`;
}

/**
 * Waits, all at once and within `timeoutMs`, until every object of
 * `composed` is gone. On a timeout the error names what is left, paused
 * Objects marked (Crossplane keeps a paused Object, and what it applied,
 * until it is unpaused). Returns the objects it could not watch (forbidden).
 */
export async function waitComposedGone(
  kube: Kube,
  composed: Composed,
  timeoutMs: number,
): Promise<ObjectRef[]> {
  const results = await Promise.allSettled(
    composed.refs.map((ref) => waitGone(kube, ref, timeoutMs)),
  );
  const unwatched: ObjectRef[] = [];
  const late: ObjectRef[] = [];
  results.forEach((result, i) => {
    if (result.status === "fulfilled") return;
    if (isForbidden(result.reason)) unwatched.push(composed.refs[i]);
    else late.push(composed.refs[i]);
  });
  if (!late.length) return unwatched;
  // A wait that failed for another reason than time (the server went away) is judged by a
  // last read: only what is really still there is reported.
  const still = await Promise.all(late.map((ref) => kube.get(ref)));
  const left = late.flatMap((ref, i) => still[i] ? [leftPhrase(ref, still[i])] : []);
  if (!left.length) return unwatched;
  const { claim } = composed;
  const objectsResource = (ref: ObjectRef) => `objects.${ref.apiVersion.split("/")[0]}`;
  const anObject = composed.refs.find((ref) => ref.kind === "Object");
  const selector = composedSelector({ claim: claim.name, namespace: claim.namespace ?? "" });
  throw new PlatformError(
    `timed out after ${Math.round(timeoutMs / 1000)} s waiting for what ${
      describeRef(claim)
    } composed to be deleted; still there: ${left.join(", ")}`,
    {
      hint: [
        left.some((phrase) => phrase.endsWith("(paused)"))
          ? "a paused Object is deleted only once unpaused " +
            `(kubectl annotate ${anObject ? objectsResource(anObject) : "objects"} NAME ` +
            "crossplane.io/paused-)"
          : "",
        `look further with: kubectl get ${
          anObject ? objectsResource(anObject) : "objects"
        } -l ${selector}`,
        "or wait longer with --timeout",
      ].filter(Boolean).join("; "),
    },
  );
}
