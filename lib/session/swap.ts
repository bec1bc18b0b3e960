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
import { ROLE_LABEL } from "../dev/environments.ts";

/** Annotation on the original Deployment while a session runs. */
export const ORIGINAL_ANNOTATION = "platform.dev/session-original";
/** ROLE_LABEL value of the copy. */
export const COPY_ROLE = "dev-copy";

/** What the annotation records. */
export interface OriginalRecord {
  replicas: number;
  specHash: string;
  copy: string;
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
}

/** The copy of a Deployment for a session (pure). */
export function devCopy(original: KubeObject, dev: DevContainer): KubeObject {
  const template = structuredClone(original.spec.template);
  template.metadata = {
    ...template.metadata,
    labels: { ...template.metadata?.labels, [ROLE_LABEL]: COPY_ROLE },
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
      selector: { matchLabels: { ...original.spec.selector.matchLabels, [ROLE_LABEL]: COPY_ROLE } },
      template,
    },
  };
}

/** Records the original, runs the copy, scales the original to 0; returns the copy's pod name. */
export async function swapIn(
  kube: Kube,
  namespace: string,
  app: string,
  dev: DevContainer,
  timeoutMs: number,
): Promise<string> {
  const original = await kube.get(deploymentRef(namespace, app));
  if (!original) {
    throw new PlatformError(`there is no Deployment ${app} in ${namespace} to develop against`, {
      hint: `create the environment first: platform apply dev <user> --no-session`,
    });
  }
  // A leftover record (a crashed session) is the truth: the Deployment may be at 0 now.
  if (!recordOf(original)) {
    const record: OriginalRecord = {
      replicas: original.spec.replicas ?? 1,
      specHash: await specHash(original.spec.template),
      copy: copyName(app),
    };
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
    .map(([key, value]) => `${key}=${value}`).concat(`${ROLE_LABEL}=${COPY_ROLE}`).join(",");
  const pods = await kube.list("v1", "Pod", { namespace, labelSelector: selector });
  const pod = pods.items.find((item) =>
    item.status?.phase === "Running" && !item.metadata.deletionTimestamp
  );
  if (!pod) {
    throw new PlatformError(`the dev copy of ${app} has no running pod`, {
      hint: `kubectl -n ${namespace} get pods -l ${selector}`,
    });
  }
  return pod.metadata.name!;
}

/** What a restore found and did. */
export interface RestoreResult {
  restored: boolean;
  replicas?: number;
  specHash?: string;
  verified?: boolean;
}

/** Deletes the copy, scales the original back, verifies replicas and hash, drops the record. */
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
  if (await kube.delete(copyRef, { propagation: "Foreground" })) {
    await waitGone(kube, copyRef, timeoutMs);
  }
  if (!original || !record) return { restored: false };
  await kube.mergePatch(ref, { spec: { replicas: record.replicas } });
  const back = await waitFor(kube, ref, {
    check: deploymentReadiness,
    timeoutMs,
    what: `${namespace}/${app} to be Available again`,
    lookFurther: `kubectl -n ${namespace} describe deployment ${app}`,
  });
  const hash = await specHash(back!.spec.template);
  const verified = hash === record.specHash && back!.spec.replicas === record.replicas;
  if (!verified) {
    throw new PlatformError(
      `${namespace}/${app} came back different from what the session recorded: replicas ${
        back!.spec.replicas
      } (recorded ${record.replicas}), spec hash ${hash} (recorded ${record.specHash})`,
      {
        hint:
          `someone changed it during the session; compare with: kubectl -n ${namespace} get deployment ${app} -o yaml. The record stays in the ${ORIGINAL_ANNOTATION} annotation.`,
      },
    );
  }
  await kube.mergePatch(ref, { metadata: { annotations: { [ORIGINAL_ANNOTATION]: null } } });
  return { restored: true, replicas: record.replicas, specHash: hash, verified };
}
