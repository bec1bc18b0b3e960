/**
 * What `okteto up` leaves in a namespace and how to undo it through the API
 * alone, for when `okteto down` cannot (okteto is not installed here, the
 * laptop that ran it is gone): the original at 0 replicas with its replica
 * count in an annotation and okteto's dev label, and a clone `<app>-okteto`
 * running the dev image. Only the okteto driver knows this; gc and list dev
 * ask it through the driver interface.
 */
import type { Kube } from "../../lib/kube/client.ts";
import type { KubeObject } from "../../lib/kube/types.ts";
import { deploymentReadiness, waitFor, waitGone } from "../../lib/kube/wait.ts";
import type { Leftover, LeftoverScan } from "../../lib/session/repair.ts";

/** okteto's label on its clones (value: the original's UID). */
export const OKTETO_CLONE_LABEL = "dev.okteto.com/clone";
/** okteto's label on an original in dev mode. */
export const OKTETO_DEV_LABEL = "dev.okteto.com";
/** okteto's annotation with the original's replicas before dev mode. */
export const OKTETO_REPLICAS_ANNOTATION = "dev.okteto.com/replicas";
/** The name okteto gives the clone of `app`. */
export const oktetoCloneName = (app: string) => `${app}-okteto`;

const deploymentRef = (namespace: string, name: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  name,
  namespace,
});

/** The original's replicas before dev mode, as okteto noted them; 1 when it did not. */
export function oktetoReplicas(original: KubeObject): number {
  const annotations = original.metadata.annotations ?? {};
  return Number(
    annotations[OKTETO_REPLICAS_ANNOTATION] ?? annotations["okteto.com/replicas"] ?? 1,
  ) || 1;
}

/**
 * okteto's leftovers among what gc listed (pure): a clone `<app>-okteto`
 * (labelled or not: older okteto versions did not) whose original sits at
 * 0 replicas and whose session has no live Lease.
 */
export function oktetoLeftovers(scan: LeftoverScan): Leftover[] {
  const leftovers: Leftover[] = [];
  for (const clone of scan.deployments) {
    const name = clone.metadata.name!;
    if (!name.endsWith("-okteto")) continue;
    const namespace = clone.metadata.namespace!;
    const app = name.slice(0, -"-okteto".length);
    const original = scan.deployment(namespace, app);
    if (!original || (original.spec?.replicas ?? 1) !== 0 || scan.live(namespace, app)) continue;
    leftovers.push({
      namespace,
      app,
      kind: "okteto",
      holder: scan.holder(namespace, app) ?? "okteto",
      action: `delete ${name}, scale ${app} back to ${oktetoReplicas(original)}`,
    });
  }
  return leftovers;
}

/**
 * Undoes okteto's swap as `okteto down` would: the clone goes, the original
 * scales back to its noted replicas and loses okteto's marks. Returns a
 * line saying what came back, or undefined when nothing of okteto's was
 * there.
 */
export async function undoOktetoSwap(
  kube: Kube,
  namespace: string,
  app: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const clone = deploymentRef(namespace, oktetoCloneName(app));
  const ref = deploymentRef(namespace, app);
  const [original, cloned] = await Promise.all([kube.get(ref), kube.get(clone)]);
  const inDevMode = original?.metadata.labels?.[OKTETO_DEV_LABEL] !== undefined ||
    original?.metadata.annotations?.[OKTETO_REPLICAS_ANNOTATION] !== undefined;
  if (!cloned && !inDevMode) return undefined;
  if (cloned && await kube.delete(clone, { propagation: "Foreground" })) {
    await waitGone(kube, clone, timeoutMs);
  }
  if (!original) return `deleted okteto's clone ${namespace}/${oktetoCloneName(app)}`;
  const replicas = oktetoReplicas(original);
  await kube.mergePatch(ref, {
    metadata: {
      labels: { [OKTETO_DEV_LABEL]: null },
      annotations: { [OKTETO_REPLICAS_ANNOTATION]: null },
    },
    spec: { replicas },
  });
  await waitFor(kube, ref, {
    check: deploymentReadiness,
    timeoutMs,
    what: `${namespace}/${app} to be Available again`,
    lookFurther: `kubectl -n ${namespace} describe deployment ${app}`,
  });
  return `restored ${namespace}/${app} from okteto: ${replicas} replica(s)`;
}
