/**
 * What keeps a Deployment in shape, and how a session holds it off. On
 * the seed's claim path the Deployment is composed: a provider-kubernetes
 * `Object` carries its manifest and re-applies it whenever it drifts, so a
 * session that scales the original to 0 is undone within a poll and two
 * pods serve behind the Service. A session therefore finds the Deployment
 * through the claim's tree (claim → Objects → their manifests), pauses the
 * Objects that re-assert it with Crossplane's own `crossplane.io/paused`
 * for as long as it runs, and unpauses exactly those when it ends.
 *
 * Each Object the session paused carries platform's labels (the session's
 * namespace and app), so a paused Object whose session died with kill -9
 * is found by `platform gc` and the next command, with no local state.
 * An Object someone else paused is left as it is, and stays paused.
 */
import { isForbidden, PlatformError } from "../errors.ts";
import type { Kube } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { findCondition } from "../kube/types.ts";
import {
  CROSSPLANE_LABELS,
  isPaused,
  OBJECT_KIND,
  PAUSED_ANNOTATION,
  servedObjectApis,
  targetOf,
} from "../crossplane/objects.ts";

/** Labels on an Object a session paused: the session's namespace and app. */
export const PAUSED_NAMESPACE_LABEL = "platform.dev/paused-namespace";
export const PAUSED_APP_LABEL = "platform.dev/paused-app";

/**
 * Field managers that re-apply what they manage (GitOps controllers,
 * Crossplane): one of them on a Deployment with no Object to pause means
 * the session would be undone.
 */
const RECONCILERS =
  /^(provider-kubernetes|crossplane|argocd|argo-cd|kustomize-controller|helm-controller|fleet)/;

/** An Object, as a session records it. */
export interface ObjectRef {
  apiVersion: string;
  kind: "Object";
  name: string;
  namespace?: string;
}

/** The Deployment a session swaps and what must be paused for it. */
export interface Workload {
  /** The Deployment's name (the claim's composed Deployment, or the app's own). */
  deployment: string;
  /** The Objects whose manifest is that Deployment. */
  owners: ObjectRef[];
  /** How it was found, for the progress line: `claim alice/silly-demo → Object x`. */
  via?: string;
}

const refOf = (object: KubeObject): ObjectRef => ({
  apiVersion: object.apiVersion!,
  kind: "Object",
  name: object.metadata.name!,
  ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
});

const describe = (ref: ObjectRef) =>
  `Object ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name} (${ref.apiVersion})`;

/** The Deployment an Object applies into `namespace`, if its manifest is one. */
function deploymentOf(object: KubeObject, namespace: string): string | undefined {
  const target = targetOf(object);
  if (target?.kind !== "Deployment" || !target.apiVersion.startsWith("apps/")) return undefined;
  return target.namespace === namespace ? target.name : undefined;
}

/**
 * Finds the Deployment of `app` in `namespace` and the Objects that
 * re-assert it. Read-only. Throws, naming what fights the session, when
 * something re-applies the Deployment and cannot be paused (an Object this
 * identity may not see, a GitOps controller, an owning controller), so the
 * session refuses before it changes anything.
 */
export async function findWorkload(kube: Kube, namespace: string, app: string): Promise<Workload> {
  const apis = await servedObjectApis(kube);
  const hidden: string[] = [];
  const composed: KubeObject[] = [];
  await Promise.all(apis.map(async (api) => {
    try {
      // The claim's Objects by Crossplane's labels; namespaced Objects live beside their targets.
      const { items } = await kube.list(
        api.apiVersion,
        OBJECT_KIND,
        api.namespaced ? { namespace } : {
          labelSelector:
            `${CROSSPLANE_LABELS.claimName}=${app},${CROSSPLANE_LABELS.claimNamespace}=${namespace}`,
        },
      );
      composed.push(...items.filter((object) => deploymentOf(object, namespace)));
    } catch (error) {
      if (!isForbidden(error)) throw error;
      hidden.push(`${api.apiVersion} Objects (forbidden to list)`);
    }
  }));
  const names = [...new Set(composed.map((object) => deploymentOf(object, namespace)!))];
  // The claim composes one Deployment in the seed; with several, the one named after the app.
  const deployment = names.length === 1 ? names[0] : names.includes(app) ? app : undefined;
  if (names.length > 1 && !deployment) {
    throw new PlatformError(
      `the claim ${namespace}/${app} composes several Deployments (${names.join(", ")}) ` +
        "and none is named after the app; the session cannot tell which to develop",
      { hint: "name the Deployment to develop after the app in the composition" },
    );
  }
  const owners = composed.filter((object) =>
    deploymentOf(object, namespace) === (deployment ?? app)
  )
    .map(refOf);
  const name = deployment ?? app;
  const target = await kube.get({ apiVersion: "apps/v1", kind: "Deployment", namespace, name });
  const fighters = target ? fightersOf(target, owners.length > 0) : [];
  if (fighters.length) {
    throw new PlatformError(
      `${namespace}/${name} is kept in shape by ${fighters.join(" and ")}, which platform cannot ` +
        "pause: a session would scale it to 0 and be undone, and two pods would serve. " +
        "Nothing was changed",
      {
        hint: hidden.length
          ? `platform pauses provider-kubernetes Objects for a session; this identity cannot ` +
            `see them (${hidden.join(", ")}). Ask the platform team for get, list and patch ` +
            "on objects.kubernetes.crossplane.io, or use --no-session"
          : "pause that controller for this Deployment first (Argo CD: turn off auto-sync; " +
            "Flux: flux suspend), or use --no-session",
      },
    );
  }
  return {
    deployment: name,
    owners,
    via: owners.length
      ? `claim ${namespace}/${app} → ${owners.map(describe).join(", ")}`
      : undefined,
  };
}

/**
 * What re-applies a Deployment, from its controller owner reference and its
 * field managers. `paused`: its Objects were found (and will be paused), so
 * provider-kubernetes' own managers no longer count.
 */
export function fightersOf(deployment: KubeObject, paused: boolean): string[] {
  const fighters: string[] = [];
  for (const owner of deployment.metadata.ownerReferences ?? []) {
    if (owner.controller) fighters.push(`its controller ${owner.kind} ${owner.name}`);
  }
  const managers = new Set<string>();
  for (const entry of deployment.metadata.managedFields ?? []) {
    const manager = String(entry.manager ?? "");
    const spec = entry.fieldsV1?.["f:spec"];
    if (!spec || !RECONCILERS.test(manager)) continue;
    if (paused && /^(provider-kubernetes|crossplane)/.test(manager)) continue;
    managers.add(manager);
  }
  for (const manager of managers) fighters.push(`the field manager ${manager}`);
  return fighters;
}

/** The paused marks a session puts on an Object. */
function pausedMarks(namespace: string, app: string) {
  return {
    metadata: {
      labels: { [PAUSED_NAMESPACE_LABEL]: namespace, [PAUSED_APP_LABEL]: app },
      annotations: { [PAUSED_ANNOTATION]: "true" },
    },
  };
}

/** Whether an Object carries this session's pause (or one of an earlier session of it). */
export function pausedBy(object: KubeObject | undefined, namespace: string, app: string): boolean {
  const labels = object?.metadata.labels ?? {};
  return labels[PAUSED_NAMESPACE_LABEL] === namespace && labels[PAUSED_APP_LABEL] === app;
}

/** How long a controller has to say it saw the pause (or the unpause). */
const NOTICE_MS = 10_000;

/** Polls an Object until `done` says so or {@link NOTICE_MS} pass; the last state. */
async function watchObject(
  kube: Kube,
  ref: ObjectRef,
  done: (object: KubeObject | undefined) => boolean,
): Promise<boolean> {
  const deadline = Date.now() + NOTICE_MS;
  for (;;) {
    if (done(await kube.get(ref))) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const reportsPaused = (object: KubeObject | undefined) =>
  findCondition(object, "Synced")?.reason === "ReconcilePaused";

/**
 * Pauses the Objects for a session and waits until their controller says
 * it saw it (Synced reason ReconcilePaused), so no reconcile in flight
 * undoes the scale-down that follows. Returns the Objects this session
 * paused; one someone else had paused is not among them (and is never
 * unpaused by platform). Warnings name an Object whose controller did not
 * answer in time.
 */
export async function pauseOwners(
  kube: Kube,
  owners: readonly ObjectRef[],
  session: { namespace: string; app: string },
): Promise<{ paused: ObjectRef[]; warnings: string[] }> {
  const paused: ObjectRef[] = [];
  const warnings: string[] = [];
  await Promise.all(owners.map(async (ref) => {
    const current = await kube.get(ref);
    if (!current) return;
    if (isPaused(current) && !pausedBy(current, session.namespace, session.app)) return;
    await kube.mergePatch(ref, pausedMarks(session.namespace, session.app));
    paused.push(ref);
    if (!await watchObject(kube, ref, reportsPaused)) {
      warnings.push(
        `${describe(ref)} did not report ReconcilePaused within ${NOTICE_MS / 1000} s; ` +
          "if its controller ignores crossplane.io/paused it will scale the original back",
      );
    }
  }));
  return { paused, warnings };
}

/**
 * Unpauses the Objects a session paused — only those still carrying its
 * marks — and verifies their controller took it (Synced no longer
 * ReconcilePaused). Returns what differs, one phrase each; never throws
 * for an Object that is gone.
 */
export async function unpauseOwners(
  kube: Kube,
  refs: readonly ObjectRef[],
  session: { namespace: string; app: string },
): Promise<{ unpaused: ObjectRef[]; differences: string[] }> {
  const unpaused: ObjectRef[] = [];
  const differences: string[] = [];
  await Promise.all(refs.map(async (ref) => {
    const current = await kube.get(ref);
    if (!pausedBy(current, session.namespace, session.app)) return;
    await kube.mergePatch(ref, {
      metadata: {
        labels: { [PAUSED_NAMESPACE_LABEL]: null, [PAUSED_APP_LABEL]: null },
        annotations: { [PAUSED_ANNOTATION]: null },
      },
    });
    unpaused.push(ref);
    if (!await watchObject(kube, ref, (object) => !object || !reportsPaused(object))) {
      differences.push(`${describe(ref)} still reports ReconcilePaused after it was unpaused`);
    }
  }));
  return { unpaused, differences };
}

/**
 * Objects paused by a session of `namespace` (or of any namespace), for
 * repair after a kill -9. Object kinds this identity may not list are
 * skipped: it could not have paused them either.
 */
export async function findPausedObjects(
  kube: Kube,
  namespace?: string,
): Promise<{ ref: ObjectRef; namespace: string; app: string }[]> {
  const apis = await servedObjectApis(kube);
  const selector = namespace ? `${PAUSED_NAMESPACE_LABEL}=${namespace}` : PAUSED_NAMESPACE_LABEL;
  const found = await Promise.all(apis.map(async (api) => {
    try {
      const { items } = await kube.list(api.apiVersion, OBJECT_KIND, {
        labelSelector: selector,
        // A namespaced Object a session paused lives in that session's namespace.
        ...(api.namespaced && namespace ? { namespace } : {}),
      });
      return items;
    } catch (error) {
      if (isForbidden(error)) return [];
      throw error;
    }
  }));
  return found.flat().map((object) => ({
    ref: refOf(object),
    namespace: object.metadata.labels![PAUSED_NAMESPACE_LABEL],
    app: object.metadata.labels![PAUSED_APP_LABEL] ?? "",
  }));
}
