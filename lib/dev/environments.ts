/**
 * Finding dev environments by their labels, never by re-rendering: what
 * platform made can be listed, inspected and removed even after the
 * platform.yaml that made it is gone.
 */
import { ANNOTATIONS, devSelector, LABELS } from "../identity.ts";
import { isForbidden } from "../errors.ts";
import type { Kube } from "../kube/client.ts";
import type { Condition, KubeObject, ObjectRef } from "../kube/types.ts";
import { conditionsOf } from "../kube/types.ts";
import { conditionReadiness, deploymentReadiness } from "../kube/wait.ts";
import { formatAge } from "../progress.ts";
import { allInOrder } from "../in_order.ts";
import { APP_CLAIM, APP_CLAIM_PLURAL } from "../../templates/app_claim.ts";

import { ROLE_LABEL } from "../identity.ts";
export { ROLE_LABEL };

/** Kinds an environment can consist of, in deletion order; optional ones may not be served. */
export const ENVIRONMENT_KINDS: {
  apiVersion: string;
  kind: string;
  /** Optional kinds may not be served; they are listed by their usual plural, without discovery. */
  optional?: { plural: string };
}[] = [
  { ...APP_CLAIM, optional: { plural: APP_CLAIM_PLURAL } },
  { apiVersion: "networking.k8s.io/v1", kind: "Ingress" },
  { apiVersion: "v1", kind: "Service" },
  { apiVersion: "apps/v1", kind: "Deployment" },
  {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    optional: { plural: "externalsecrets" },
  },
];

/** One dev environment, as list and status report it. */
export interface Environment {
  user: string;
  namespace: string;
  app: string;
  url: string;
  ready: boolean;
  age: string;
  template: string;
  /** What readiness is read from: `Deployment alice/silly-demo`. */
  workload: ObjectRef;
  /** Readiness in words, for status and for `not ready` rows. */
  state: string;
  conditions: Condition[];
  object: KubeObject;
}

/** A list refused by RBAC as an empty one (after telling `onHidden`); other errors stay. */
async function hideForbidden(
  listing: Promise<{ items: KubeObject[] }>,
  onHidden?: () => void,
): Promise<{ items: KubeObject[] }> {
  try {
    return await listing;
  } catch (error) {
    if (!isForbidden(error)) throw error;
    onHidden?.();
    return { items: [] };
  }
}

/** Every dev environment, optionally of one user and app, across namespaces. */
export async function findEnvironments(
  kube: Kube,
  filter: { user?: string; app?: string; namespace?: string; selector?: string } = {},
  /** Told about a kind this identity may not list (its environments are not shown). */
  onHidden?: (what: string) => void,
): Promise<Environment[]> {
  const labelSelector = [devSelector(filter.user, filter.app), `!${ROLE_LABEL}`, filter.selector]
    .filter(Boolean).join(",");
  const [claims, deployments] = await allInOrder([
    hideForbidden(
      kube.listIfServed(APP_CLAIM.apiVersion, APP_CLAIM.kind, APP_CLAIM_PLURAL, {
        labelSelector,
        namespace: filter.namespace,
      }).then((list) => list ?? { items: [] }),
      () => onHidden?.(`${APP_CLAIM.kind}s (${APP_CLAIM.apiVersion})`),
    ),
    kube.list("apps/v1", "Deployment", { labelSelector, namespace: filter.namespace }),
  ]);
  return environmentsOf([...claims.items, ...deployments.items]);
}

/**
 * The environments among listed objects (claims and Deployments; the rest,
 * and a session's own objects, are skipped): a claim wins over the
 * Deployment it composes. Sorted by user, then app.
 */
export function environmentsOf(objects: KubeObject[]): Environment[] {
  const found = new Map<string, Environment>();
  const own = objects.filter((object) => !object.metadata.labels?.[ROLE_LABEL]);
  for (const claim of own.filter((object) => object.kind === APP_CLAIM.kind)) {
    add(found, claim, conditionReadiness("Ready")(claim));
  }
  for (const deployment of own.filter((object) => object.kind === "Deployment")) {
    add(found, deployment, deploymentReadiness(deployment));
  }
  return [...found.values()].sort((a, b) =>
    a.user.localeCompare(b.user) || a.app.localeCompare(b.app)
  );
}

function add(
  found: Map<string, Environment>,
  object: KubeObject,
  readiness: { done: boolean; summary: string },
) {
  const labels = object.metadata.labels ?? {};
  const key = `${object.metadata.namespace}/${labels[LABELS.app]}`;
  if (found.has(key)) return; // a claim wins over the Deployment it composes
  found.set(key, {
    user: labels[LABELS.user] ?? "",
    namespace: object.metadata.namespace ?? "",
    app: labels[LABELS.app] ?? "",
    url: object.metadata.annotations?.[ANNOTATIONS.url] ?? "",
    ready: readiness.done,
    age: formatAge(object.metadata.creationTimestamp),
    template: object.metadata.annotations?.[ANNOTATIONS.template] ?? "",
    workload: {
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.metadata.name ?? "",
      namespace: object.metadata.namespace,
    },
    state: readiness.summary,
    conditions: conditionsOf(object),
    object,
  });
}

/** Every object of one user's environment (of one app), found by labels, in deletion order. */
export async function environmentObjects(
  kube: Kube,
  user: string,
  app: string,
  namespace?: string,
): Promise<KubeObject[]> {
  const labelSelector = devSelector(user, app);
  // One list per kind, all at once; the result keeps the deletion order of ENVIRONMENT_KINDS.
  const lists = await allInOrder(ENVIRONMENT_KINDS.map(async (kind) => {
    const options = { labelSelector, namespace };
    const listing = kind.optional
      ? kube.listIfServed(kind.apiVersion, kind.kind, kind.optional.plural, options)
        .then((list) => list ?? { items: [] })
      : kube.list(kind.apiVersion, kind.kind, options);
    // A Role that leaves out an add-on's kind (claims, ExternalSecrets) must not cost the
    // developer their environment: what they may not list, they did not make with platform.
    return (await (kind.optional ? hideForbidden(listing) : listing)).items;
  }));
  return lists.flat();
}
