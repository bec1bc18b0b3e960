/**
 * The tree of a Crossplane claim or composite: claim → composite → the
 * provider-kubernetes Objects it composed (found by Crossplane's labels) →
 * the Deployment, Service, Ingress, ... each Object applies. Every read
 * after the root goes out in parallel: the composite and the Object lists
 * at once, then every target at once.
 *
 * What cannot be read (an Object kind this identity may not list, a
 * composite it may not get) becomes a note on the node where the branch
 * stops, never a failure: the developer still sees their claim.
 */
import { isForbidden, isKindNotServed, isNotFound } from "../errors.ts";
import type { Kube } from "../kube/client.ts";
import type { KubeObject, ObjectRef } from "../kube/types.ts";
import { deploymentReadiness } from "../kube/wait.ts";
import { nodeOf, type TreeNode } from "../tree.ts";
import {
  composedObjects,
  type CompositionOwner,
  compositionRole,
  CROSSPLANE_LABELS,
  targetOf,
} from "./objects.ts";

/**
 * The node of an Object's target: a Deployment is ready when rolled out and
 * Available; anything else when its `Ready` condition says so, or, with no
 * such condition (Service, Ingress), when it exists.
 */
export function targetNode(ref: ObjectRef, object: KubeObject | undefined): TreeNode {
  const base = {
    kind: ref.kind,
    name: ref.name,
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
    children: [],
  };
  if (!object) return { ...base, ready: "False", note: "missing" };
  if (ref.kind === "Deployment") {
    const { done, summary } = deploymentReadiness(object);
    const want = object.spec?.replicas ?? 1;
    const note = done ? `${object.status?.availableReplicas ?? 0}/${want} available` : summary;
    return { ...base, ready: done ? "True" : "False", note };
  }
  const node = nodeOf(object);
  return { ...node, ready: node.ready || "True" };
}

/** Reads an Object's target; a read that fails becomes the node's note. */
async function readTarget(kube: Kube, ref: ObjectRef): Promise<TreeNode> {
  try {
    return targetNode(ref, await kube.get(ref));
  } catch (error) {
    const why = isForbidden(error)
      ? "not allowed to read it"
      : isKindNotServed(error)
      ? "its kind is not served"
      : undefined;
    if (!why) throw error;
    return { ...targetNode(ref, undefined), ready: "", note: why };
  }
}

/** The Object's node with its target under it. */
async function objectBranch(kube: Kube, object: KubeObject): Promise<TreeNode> {
  const node = nodeOf(object);
  const target = targetOf(object);
  if (!target) return { ...node, note: node.note ?? "its manifest names no object" };
  return { ...node, children: [await readTarget(kube, target)] };
}

/** The composite a claim points at, or the note saying why it is not shown. */
async function compositeOf(
  kube: Kube,
  claim: KubeObject,
): Promise<{ composite?: KubeObject; note?: string }> {
  const ref = claim.spec?.resourceRef;
  if (!ref?.kind || !ref?.name) return { note: "not composed yet (no spec.resourceRef)" };
  try {
    const composite = await kube.get({
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      name: ref.name,
    });
    return composite ? { composite } : { note: `its composite ${ref.kind} ${ref.name} is gone` };
  } catch (error) {
    if (isForbidden(error)) {
      return { note: `not allowed to read its composite ${ref.kind} ${ref.name}` };
    }
    if (isNotFound(error)) return { note: `its composite ${ref.kind} ${ref.name} is gone` };
    throw error;
  }
}

/**
 * The tree of a claim or composite (`root`), down to the objects its
 * Objects apply. For anything else, the root alone.
 */
export async function compositionTree(kube: Kube, root: KubeObject): Promise<TreeNode> {
  const role = compositionRole(root);
  const rootNode = nodeOf(root);
  if (!role) return rootNode;
  const name = root.metadata.name ?? "";
  const owner: CompositionOwner = role === "claim"
    ? { claim: name, namespace: root.metadata.namespace ?? "" }
    : { composite: name, namespace: root.metadata.namespace };
  const [{ composite, note }, { objects, hidden }] = await Promise.all([
    role === "claim" ? compositeOf(kube, root) : { composite: undefined, note: undefined },
    composedObjects(kube, owner),
  ]);
  const branches = await Promise.all(objects.map((object) => objectBranch(kube, object)));
  if (!composite) {
    rootNode.children.push(...branches);
    addNotes(rootNode, [note, ...hidden]);
    return rootNode;
  }
  // Under the composite what its label says it composed; anything else stays beside it.
  const compositeNode = nodeOf(composite);
  const own = (i: number) =>
    objects[i].metadata.labels?.[CROSSPLANE_LABELS.composite] === composite.metadata.name;
  compositeNode.children.push(...branches.filter((_, i) => own(i)));
  addNotes(compositeNode, hidden);
  rootNode.children.push(compositeNode, ...branches.filter((_, i) => !own(i)));
  return rootNode;
}

/** Appends notes to a node's own (its condition's message comes first). */
function addNotes(node: TreeNode, notes: (string | undefined)[]): void {
  const joined = [node.note, ...notes].filter(Boolean).join("; ");
  if (joined) node.note = joined;
}
