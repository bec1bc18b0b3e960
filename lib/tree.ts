/**
 * Trees of objects, as `describe resource` and `status dev` show them: what
 * an object owns or composes, each node with its readiness. The records are
 * the data (JSON and YAML print them as they are); {@link treeLines} is the
 * table view of the same data. Pure: no requests here.
 */
import type { KubeObject } from "./kube/types.ts";
import { findCondition } from "./kube/types.ts";
import { PAUSED_ANNOTATION } from "./crossplane/objects.ts";

/** One node of an ownership or composition tree. */
export interface TreeNode {
  kind: string;
  name: string;
  namespace?: string;
  /** `True`, `False`, or empty when the object reports no readiness. */
  ready: string;
  /** Crossplane's `Synced`, on objects that report it. */
  synced?: string;
  /** Crossplane's pause annotation is on it: its controller leaves it alone. */
  paused?: boolean;
  /** Why it is not ready or synced, or why its branch stops here (missing, forbidden). */
  note?: string;
  children: TreeNode[];
}

/**
 * A node for an object: readiness from `Ready` (or a Deployment's
 * `Available`), Crossplane's `Synced` and pause when present, and the
 * message of the first of those that is not True as its note.
 */
export function nodeOf(object: KubeObject): TreeNode {
  const ready = findCondition(object, "Ready") ?? findCondition(object, "Available");
  const synced = findCondition(object, "Synced");
  const failing = [synced, ready].find((condition) => condition && condition.status !== "True");
  const note = failing?.message || failing?.reason;
  return {
    kind: object.kind,
    name: object.metadata.name ?? "",
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    ready: ready?.status ?? "",
    ...(synced ? { synced: synced.status } : {}),
    ...(object.metadata.annotations?.[PAUSED_ANNOTATION] === "true" ? { paused: true } : {}),
    ...(note ? { note } : {}),
    children: [],
  };
}

/** The tree as indented lines, two spaces a level, for the table view. */
export function treeLines(node: TreeNode, indent = ""): string[] {
  const marks = [
    node.ready ? `ready: ${node.ready}` : "",
    node.synced ? `synced: ${node.synced}` : "",
    node.paused ? "paused" : "",
  ].filter(Boolean);
  const line = `${indent}${node.kind}/${node.name}${marks.length ? ` (${marks.join(", ")})` : ""}${
    node.note ? ` — ${node.note}` : ""
  }`;
  return [line, ...node.children.flatMap((child) => treeLines(child, indent + "  "))];
}
