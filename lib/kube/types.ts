/** Plain shapes of Kubernetes objects as platform reads and writes them. */

/** Object metadata, the fields platform uses. */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: {
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
  }[];
  // deno-lint-ignore no-explicit-any
  [key: string]: any;
}

/** Any Kubernetes object. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  // deno-lint-ignore no-explicit-any
  [key: string]: any;
}

/** Names one object: enough to build its URL. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** A status condition as most controllers write it. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

/** The reference of an object. */
export function refOf(object: KubeObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name ?? "",
    namespace: object.metadata.namespace,
  };
}

/** `Kind namespace/name`, for messages. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

/** The conditions in an object's status, or an empty list. */
export function conditionsOf(object: KubeObject | undefined): Condition[] {
  const conditions = object?.status?.conditions;
  return Array.isArray(conditions) ? conditions : [];
}

/** The condition of `type`, if the object has one. */
export function findCondition(object: KubeObject | undefined, type: string): Condition | undefined {
  return conditionsOf(object).find((condition) => condition.type === type);
}
