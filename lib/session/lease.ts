/**
 * Who holds a dev session: a coordination.k8s.io Lease `<app>-dev` per
 * (namespace, app), renewed while the session runs. A second session is
 * refused with the holder's name, host and start time; an expired Lease
 * (the holder crashed or the laptop closed) can be taken over.
 */
import { hostname } from "node:os";
import { PlatformError } from "../errors.ts";
import { devLabels } from "../identity.ts";
import type { Kube } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { ROLE_LABEL } from "../dev/environments.ts";

/** Seconds a Lease stays valid without renewal (PLATFORM_SESSION_LEASE_SECONDS, default 30). */
export const LEASE_SECONDS = Number(Deno.env.get("PLATFORM_SESSION_LEASE_SECONDS") ?? 30) || 30;
/** How often a running session renews its Lease: three times per lease period. */
export const RENEW_MS: number = LEASE_SECONDS * 1000 / 3;

/** Who holds a session, as recorded on its Lease. */
export interface Holder {
  user: string;
  host: string;
  pid: number;
  driver: string;
  since: string;
}

/** The Lease name of an app's session. */
export const leaseName = (app: string) => `${app}-dev`;

const ref = (namespace: string, app: string) => ({
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  name: leaseName(app),
  namespace,
});

/** Kubernetes MicroTime. */
const microTime = (date = new Date()) => date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

/** This process as a holder. */
export function thisHolder(user: string, driver: string): Holder {
  return { user, host: hostname(), pid: Deno.pid, driver, since: new Date().toISOString() };
}

/** The holder recorded on a Lease object. */
export function holderOf(lease: KubeObject): Holder {
  const annotations = lease.metadata.annotations ?? {};
  return {
    user: annotations["platform.dev/holder-user"] ?? "",
    host: annotations["platform.dev/holder-host"] ?? "",
    pid: Number(annotations["platform.dev/holder-pid"] ?? 0),
    driver: annotations["platform.dev/driver"] ?? "",
    since: annotations["platform.dev/since"] ?? lease.spec?.acquireTime ?? "",
  };
}

/** The error for a session someone else holds: who, where, since when, and what to do. */
export function heldError(holder: Holder, namespace: string, app: string): PlatformError {
  return new PlatformError(
    `the dev session of ${app} in ${namespace} is held by ${holder.user} on ${holder.host} ` +
      `(pid ${holder.pid}, ${holder.driver}) since ${holder.since}`,
    { hint: "wait for it to end, ask them, or take it over with --takeover" },
  );
}

/** Whether a Lease has not been renewed within its duration. */
export function isExpired(lease: KubeObject, now = Date.now()): boolean {
  const renewed = Date.parse(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? "");
  const seconds = lease.spec?.leaseDurationSeconds ?? LEASE_SECONDS;
  return !renewed || renewed + seconds * 1000 < now;
}

/** The current Lease of an app's session, if any. */
export function readLease(
  kube: Kube,
  namespace: string,
  app: string,
): Promise<KubeObject | undefined> {
  return kube.get(ref(namespace, app));
}

/**
 * Takes the Lease for `holder`. Refuses when another live holder has it,
 * unless `takeover`. Returns the previous holder when it was expired or taken over.
 */
export async function acquireLease(
  kube: Kube,
  namespace: string,
  app: string,
  holder: Holder,
  options: { takeover?: boolean } = {},
): Promise<{ previous?: Holder; previousExpired: boolean }> {
  const existing = await readLease(kube, namespace, app);
  const previous = existing ? holderOf(existing) : undefined;
  const expired = existing ? isExpired(existing) : true;
  if (existing && !expired && !options.takeover) throw heldError(previous!, namespace, app);
  const now = microTime();
  await kube.apply({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name: leaseName(app),
      namespace,
      labels: { ...devLabels(holder.user, app), [ROLE_LABEL]: "session" },
      annotations: {
        "platform.dev/holder-user": holder.user,
        "platform.dev/holder-host": holder.host,
        "platform.dev/holder-pid": String(holder.pid),
        "platform.dev/driver": holder.driver,
        "platform.dev/since": holder.since,
      },
    },
    spec: {
      holderIdentity: `${holder.user}@${holder.host}:${holder.pid}`,
      leaseDurationSeconds: LEASE_SECONDS,
      acquireTime: now,
      renewTime: now,
    },
  });
  return { previous, previousExpired: expired };
}

/** Renews the Lease (one small PATCH). */
export async function renewLease(kube: Kube, namespace: string, app: string): Promise<void> {
  await kube.mergePatch(ref(namespace, app), { spec: { renewTime: microTime() } });
}

/** Records what the session does (synced files, forwards) on the Lease for list and status. */
export async function annotateLease(
  kube: Kube,
  namespace: string,
  app: string,
  values: Record<string, string>,
) {
  await kube.mergePatch(ref(namespace, app), { metadata: { annotations: values } });
}

/** Deletes the Lease; false when it was already gone. */
export function releaseLease(kube: Kube, namespace: string, app: string): Promise<boolean> {
  return kube.delete(ref(namespace, app));
}
