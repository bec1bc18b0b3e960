/**
 * The swap: the original Deployment's replicas and pod-spec hash are
 * recorded in an annotation on it, a copy `<app>-dev` runs the dev image
 * with a keep-alive command and the same labels (so the Service and
 * Ingress reach it), and the original is scaled to 0. Restore undoes it
 * and verifies replicas and hash against the record.
 */
import { PlatformError } from "../errors.ts";
import type { Kube } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { deploymentReadiness, waitFor, waitGone } from "../kube/wait.ts";
import { ROLE_LABEL } from "../identity.ts";
import { findPausedObjects, type ObjectRef, pauseOwners, unpauseOwners } from "./composition.ts";

/** Annotation on the original Deployment while a session runs. */
export const ORIGINAL_ANNOTATION = "platform.dev/session-original";
/** ROLE_LABEL value of the copy. */
export const COPY_ROLE = "dev-copy";
/**
 * Label on the copy's pods naming the session that runs them: each session
 * (a takeover, a restart after a crash) gets a fresh pod, so no dev server
 * of an earlier session is still bound to the ports.
 */
export const SESSION_LABEL = "platform.dev/session";

/** What the annotation records. */
export interface OriginalRecord {
  replicas: number;
  specHash: string;
  copy: string;
  /** The Objects the session paused so they would not re-assert the original (claims). */
  paused?: ObjectRef[];
}

/** The name of the copy of `app`. */
export const copyName = (app: string) => `${app}-dev`;

/** A stable hash of a pod template (keys sorted, so field order does not matter). */
export async function specHash(template: unknown): Promise<string> {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === "object"
      ? Object.fromEntries(
        Object.keys(value).sort().map((
          key,
        ) => [key, canonical((value as Record<string, unknown>)[key])]),
      )
      : value;
  const bytes = new TextEncoder().encode(JSON.stringify(canonical(template)));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest.slice(0, 8)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The record on a Deployment, if a session swapped it. */
export function recordOf(deployment: KubeObject | undefined): OriginalRecord | undefined {
  const text = deployment?.metadata.annotations?.[ORIGINAL_ANNOTATION];
  return text ? JSON.parse(text) : undefined;
}

const deploymentRef = (namespace: string, name: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  name,
  namespace,
});

/** The settings of the dev container. */
export interface DevContainer {
  image: string;
  /** Extra environment for the dev container. */
  environment?: Record<string, string>;
  /** The session's id, set as {@link SESSION_LABEL} on the pods. */
  session?: string;
}

/** The copy of a Deployment for a session (pure). */
export function devCopy(original: KubeObject, dev: DevContainer): KubeObject {
  const template = structuredClone(original.spec.template);
  template.metadata = {
    ...template.metadata,
    labels: {
      ...template.metadata?.labels,
      [ROLE_LABEL]: COPY_ROLE,
      ...(dev.session ? { [SESSION_LABEL]: dev.session } : {}),
    },
  };
  const [first, ...rest] = template.spec.containers;
  const env = [
    ...(first.env ?? []),
    ...Object.entries(dev.environment ?? {}).map(([name, value]) => ({ name, value })),
  ];
  // Keep-alive: the dev command is started through exec, so the container must just stay up.
  const container = {
    ...first,
    image: dev.image,
    command: ["sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"],
    args: undefined,
    env,
  };
  delete container.readinessProbe;
  delete container.livenessProbe;
  delete container.startupProbe;
  delete container.args;
  template.spec.containers = [container, ...rest];
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: copyName(original.metadata.name!),
      namespace: original.metadata.namespace,
      labels: { ...original.metadata.labels, [ROLE_LABEL]: COPY_ROLE },
    },
    spec: {
      replicas: 1,
      // The old session's pod goes before the new one starts: one dev server, one set of ports.
      strategy: { type: "Recreate" },
      selector: {
        ...original.spec.selector,
        matchLabels: { ...original.spec.selector.matchLabels, [ROLE_LABEL]: COPY_ROLE },
      },
      template,
    },
  };
}

/** Where a session's dev container runs. */
export interface SwappedIn {
  pod: string;
  /** The dev container's name (the original's first container: `main` in the seed's claim). */
  container: string;
  /** Things the session should say but that do not stop it. */
  warnings: string[];
}

/**
 * Pauses what re-asserts the original (a claim's Objects), records the
 * original, runs the copy, scales the original to 0. Pausing comes first:
 * a reconcile in flight would otherwise scale the original straight back.
 */
export async function swapIn(
  kube: Kube,
  namespace: string,
  app: string,
  dev: DevContainer,
  timeoutMs: number,
  owners: readonly ObjectRef[] = [],
): Promise<SwappedIn> {
  const original = await kube.get(deploymentRef(namespace, app));
  if (!original) {
    throw new PlatformError(`there is no Deployment ${app} in ${namespace} to develop against`, {
      hint: `create the environment first: platform apply dev <user> --no-session`,
    });
  }
  // A Deployment of the copy's name that no session made is someone else's: never replace it.
  const existingCopy = await kube.get(deploymentRef(namespace, copyName(app)));
  if (existingCopy && existingCopy.metadata.labels?.[ROLE_LABEL] !== COPY_ROLE) {
    throw new PlatformError(
      `a Deployment ${copyName(app)} already exists in ${namespace} and is not a dev copy ` +
        "platform made; the session would replace it",
      {
        hint: `rename or remove it (kubectl -n ${namespace} get deployment ${
          copyName(app)
        } -o yaml)`,
      },
    );
  }
  const { paused, warnings } = await pauseOwners(kube, owners, { namespace, app });
  // A leftover record (a crashed session) is the truth: the Deployment may be at 0 now.
  const earlier = recordOf(original);
  const record: OriginalRecord = earlier ?? {
    replicas: original.spec.replicas ?? 1,
    specHash: await specHash(original.spec.template),
    copy: copyName(app),
  };
  const known = new Set((earlier?.paused ?? []).map((ref) => JSON.stringify(ref)));
  const added = paused.filter((ref) => !known.has(JSON.stringify(ref)));
  if (!earlier || added.length) {
    if (added.length) record.paused = [...earlier?.paused ?? [], ...added];
    await kube.mergePatch(deploymentRef(namespace, app), {
      metadata: { annotations: { [ORIGINAL_ANNOTATION]: JSON.stringify(record) } },
    });
  }
  await kube.apply(devCopy(original, dev), { fieldManager: "platform-session" });
  await kube.mergePatch(deploymentRef(namespace, app), { spec: { replicas: 0 } });
  const copyRef = deploymentRef(namespace, copyName(app));
  await waitFor(kube, copyRef, {
    check: deploymentReadiness,
    timeoutMs,
    what: `the dev copy ${namespace}/${copyName(app)} to be Available`,
    lookFurther: `kubectl -n ${namespace} describe deployment ${copyName(app)}`,
  });
  const selector = Object.entries(original.spec.selector.matchLabels as Record<string, string>)
    .map(([key, value]) => `${key}=${value}`).concat(`${ROLE_LABEL}=${COPY_ROLE}`)
    .concat(dev.session ? [`${SESSION_LABEL}=${dev.session}`] : []).join(",");
  const pods = await kube.list("v1", "Pod", { namespace, labelSelector: selector });
  const pod = pods.items.find((item) =>
    item.status?.phase === "Running" && !item.metadata.deletionTimestamp
  );
  if (!pod) {
    throw new PlatformError(`the dev copy of ${app} has no running pod`, {
      hint: `kubectl -n ${namespace} get pods -l ${selector}`,
    });
  }
  return {
    pod: pod.metadata.name!,
    container: original.spec.template.spec.containers[0].name,
    warnings,
  };
}

/** What a restore found and did. */
export interface RestoreResult {
  restored: boolean;
  replicas?: number;
  specHash?: string;
  /** True when replicas and spec hash are what the session recorded and the original is Available. */
  verified?: boolean;
  /** What differs from the record, one phrase each (someone changed it during the session). */
  differences?: string[];
  /** The Objects unpaused (a claim's, paused for the session). */
  unpaused?: ObjectRef[];
}

/**
 * Deletes the copy, scales the original back, verifies replicas and hash,
 * and drops the record. It always finishes what it can: a difference (a
 * `rollout restart`, a new image, an HPA that moved replicas, an original
 * slow to come back) is reported in `differences`, never thrown, and the
 * record is dropped anyway, so no later command trips over it again.
 */
export async function restore(
  kube: Kube,
  namespace: string,
  app: string,
  timeoutMs: number,
): Promise<RestoreResult> {
  const ref = deploymentRef(namespace, app);
  const copyRef = deploymentRef(namespace, copyName(app));
  const original = await kube.get(ref);
  const record = recordOf(original);
  const differences: string[] = [];
  // Only a copy a session made: a Deployment that merely has its name is someone else's.
  const copy = await kube.get(copyRef);
  const ours = copy?.metadata.labels?.[ROLE_LABEL] === COPY_ROLE;
  if (ours && await kube.delete(copyRef, { propagation: "Foreground" })) {
    await waitGone(kube, copyRef, timeoutMs).catch((error) =>
      differences.push(`the copy ${copyName(app)} was still going: ${(error as Error).message}`)
    );
  }
  if (!original || !record) return { restored: false };
  await kube.mergePatch(ref, { spec: { replicas: record.replicas } });
  const back = await waitFor(kube, ref, {
    check: deploymentReadiness,
    timeoutMs,
    what: `${namespace}/${app} to be Available again`,
    lookFurther: `kubectl -n ${namespace} describe deployment ${app}`,
  }).catch(async (error) => {
    differences.push(`not Available yet (${(error as Error).message.split("\n")[0]})`);
    return await kube.get(ref);
  });
  const hash = back ? await specHash(back.spec.template) : undefined;
  if (back && back.spec.replicas !== record.replicas) {
    differences.push(`replicas ${back.spec.replicas} (recorded ${record.replicas})`);
  }
  if (hash !== record.specHash) {
    differences.push(
      `pod spec hash ${hash} (recorded ${record.specHash}): changed during the session`,
    );
  }
  // Before the record goes: a crash here leaves the record, and the next restore unpauses.
  const unpaused = await unpauseOwners(kube, await pausedFor(kube, namespace, app, record), {
    namespace,
    app,
  });
  differences.push(...unpaused.differences);
  await kube.mergePatch(ref, { metadata: { annotations: { [ORIGINAL_ANNOTATION]: null } } });
  return {
    restored: true,
    replicas: record.replicas,
    specHash: hash,
    verified: differences.length === 0,
    differences,
    unpaused: unpaused.unpaused,
  };
}

/**
 * The Objects a session of `app` paused: those its record names, and any
 * still labelled for it (a session killed between pausing and recording).
 */
async function pausedFor(
  kube: Kube,
  namespace: string,
  app: string,
  record: OriginalRecord,
): Promise<ObjectRef[]> {
  const refs = new Map((record.paused ?? []).map((ref) => [JSON.stringify(ref), ref]));
  for (const found of await findPausedObjects(kube, namespace)) {
    if (found.app === app) refs.set(JSON.stringify(found.ref), found.ref);
  }
  return [...refs.values()];
}

/** One line for a restore whose result differs from the record, with where to look. */
export function differencesWarning(namespace: string, app: string, result: RestoreResult): string {
  return `${namespace}/${app} is back, but differs from what the session recorded: ${
    (result.differences ?? []).join("; ")
  }; compare with kubectl -n ${namespace} get deployment ${app} -o yaml`;
}
