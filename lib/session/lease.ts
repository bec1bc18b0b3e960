/**
 * Who holds a dev session: a coordination.k8s.io Lease `<app>-dev` per
 * (namespace, app), renewed while the session runs. A second session is
 * refused with the holder's name, host and start time. A Lease is stale,
 * and may be taken, when it was not renewed in time (the holder crashed or
 * the laptop closed) or, on the holder's own machine, when its process is
 * gone (kill -9 is repaired at once, not after the expiry).
 */
import { isConflict, PlatformError, statusOf } from "../errors.ts";
import { serverNow } from "../kube/server_clock.ts";
import { devLabels } from "../identity.ts";
import type { Kube } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { ROLE_LABEL } from "../identity.ts";

/** Seconds a Lease stays valid without renewal (PLATFORM_SESSION_LEASE_SECONDS, default 30). */
export const LEASE_SECONDS = Number(Deno.env.get("PLATFORM_SESSION_LEASE_SECONDS") ?? 30) || 30;
/** How often a running session renews its Lease: three times per lease period. */
export const RENEW_MS: number = LEASE_SECONDS * 1000 / 3;

/** ROLE_LABEL value of session Leases (list dev leaves them out; gc finds them by it). */
export const LEASE_ROLE = "session";

/** Lease annotations: who holds the session and what it does. */
export const LEASE_ANNOTATIONS = {
  user: "platform.dev/holder-user",
  host: "platform.dev/holder-host",
  pid: "platform.dev/holder-pid",
  machine: "platform.dev/holder-machine",
  driver: "platform.dev/driver",
  since: "platform.dev/since",
  syncedFiles: "platform.dev/synced-files",
  forwards: "platform.dev/forwards",
  syncError: "platform.dev/last-sync-error",
} as const;

/** Who holds a session, as recorded on its Lease. */
export interface Holder {
  user: string;
  host: string;
  pid: number;
  driver: string;
  since: string;
  /** This machine's identity, so a dead holder on the same machine is recognised. */
  machine?: string;
  /** Unique per session: the Lease's holderIdentity, and the copy's pod label. */
  id: string;
}

/** The Lease name of an app's session. */
export const leaseName = (app: string) => `${app}-dev`;

/** The reference of an app's session Lease. */
export const leaseRef = (namespace: string, app: string) => ({
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  name: leaseName(app),
  namespace,
});

/** Kubernetes MicroTime. */
const microTime = (date = new Date(serverNow())) =>
  date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

let machine: string | undefined;
/**
 * This machine: systemd's machine id, else host name and boot minute. Two
 * laptops with one host name (MacBook-Pro.local) must not pass for one,
 * or one would declare the other's live session dead.
 */
export function machineId(): string {
  if (machine) return machine;
  for (const file of ["/etc/machine-id", "/var/lib/dbus/machine-id"]) {
    try {
      const id = Deno.readTextFileSync(file).trim();
      if (id) return machine = id;
    } catch {
      // not on this system
    }
  }
  const bootMinute = Math.round((Date.now() / 1000 - Deno.osUptime()) / 60);
  return machine = `${Deno.hostname()}/boot-${bootMinute}`;
}

/**
 * Whether a process of this machine is alive. Linux answers from /proc (a
 * zombie counts as gone); elsewhere `kill -0` asks without sending anything.
 * Not node:process's kill: loading node:process costs some 17 ms of every
 * verb that reads a lease (measured with Deno 2.9).
 */
export function processAlive(pid: number): boolean {
  if (!(pid > 0 && Number.isSafeInteger(pid))) return false;
  try {
    return !/\) Z /.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch (error) {
    if (Deno.build.os === "linux" && error instanceof Deno.errors.NotFound) return false;
  }
  try {
    const { success, stderr } = new Deno.Command("kill", {
      args: ["-0", String(pid)],
      stdout: "null",
      stderr: "piped",
    }).outputSync();
    // Not permitted: it exists, it is just not ours.
    return success || /not permitted/i.test(new TextDecoder().decode(stderr));
  } catch {
    return true; // no way to tell: keep the lease rather than break a live session
  }
}

/** This process as a holder. */
export function thisHolder(user: string, driver: string): Holder {
  return {
    user,
    host: Deno.hostname(),
    pid: Deno.pid,
    driver,
    since: new Date(serverNow()).toISOString(),
    machine: machineId(),
    id: crypto.randomUUID().slice(0, 8),
  };
}

/** The holderIdentity string of a holder. */
export const identityOf = (holder: Holder) =>
  `${holder.user}@${holder.host}/${holder.pid}/${holder.id}`;

/** The holder recorded on a Lease object. */
export function holderOf(lease: KubeObject): Holder {
  const annotations = lease.metadata.annotations ?? {};
  const identity = String(lease.spec?.holderIdentity ?? "");
  return {
    user: annotations[LEASE_ANNOTATIONS.user] ?? "",
    host: annotations[LEASE_ANNOTATIONS.host] ?? "",
    pid: Number(annotations[LEASE_ANNOTATIONS.pid] ?? 0),
    driver: annotations[LEASE_ANNOTATIONS.driver] ?? "",
    since: annotations[LEASE_ANNOTATIONS.since] ?? lease.spec?.acquireTime ?? "",
    machine: annotations[LEASE_ANNOTATIONS.machine],
    id: identity.split("/").at(-1) ?? "",
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
export function isExpired(lease: KubeObject, now = serverNow()): boolean {
  const renewed = Date.parse(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? "");
  const seconds = lease.spec?.leaseDurationSeconds ?? LEASE_SECONDS;
  return !renewed || renewed + seconds * 1000 < now;
}

/** Why a Lease no longer protects a session, or undefined while it does. */
export function staleReason(
  lease: KubeObject,
  options: { now?: number; alive?: (pid: number) => boolean; machine?: string } = {},
): string | undefined {
  if (isExpired(lease, options.now)) return "lease expired";
  const holder = holderOf(lease);
  const here = holder.machine !== undefined && holder.machine === (options.machine ?? machineId());
  if (here && holder.pid !== Deno.pid && !(options.alive ?? processAlive)(holder.pid)) {
    return "its process is gone";
  }
  return undefined;
}

/** The current Lease of an app's session, if any. */
export function readLease(
  kube: Kube,
  namespace: string,
  app: string,
): Promise<KubeObject | undefined> {
  return kube.get(leaseRef(namespace, app));
}

function leaseObject(namespace: string, app: string, holder: Holder): KubeObject {
  const now = microTime();
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name: leaseName(app),
      namespace,
      labels: { ...devLabels(holder.user, app), [ROLE_LABEL]: LEASE_ROLE },
      annotations: {
        [LEASE_ANNOTATIONS.user]: holder.user,
        [LEASE_ANNOTATIONS.host]: holder.host,
        [LEASE_ANNOTATIONS.pid]: String(holder.pid),
        [LEASE_ANNOTATIONS.driver]: holder.driver,
        [LEASE_ANNOTATIONS.since]: holder.since,
        ...(holder.machine ? { [LEASE_ANNOTATIONS.machine]: holder.machine } : {}),
      },
    },
    spec: {
      holderIdentity: identityOf(holder),
      leaseDurationSeconds: LEASE_SECONDS,
      acquireTime: now,
      renewTime: now,
    },
  };
}

/**
 * Takes the Lease for `holder`. Refuses when another live holder has it,
 * unless `takeover`. Create and replace carry preconditions (409 on a
 * race), so of two sessions starting at once exactly one gets it. Returns
 * the previous holder, if any.
 */
export async function acquireLease(
  kube: Kube,
  namespace: string,
  app: string,
  holder: Holder,
  options: { takeover?: boolean } = {},
): Promise<{ previous?: Holder; previousStale?: string }> {
  for (let attempt = 0;; attempt++) {
    const existing = await readLease(kube, namespace, app);
    if (existing && !isSessionLease(existing)) throw foreignLeaseError(namespace, app);
    const previous = existing ? holderOf(existing) : undefined;
    const stale = existing ? staleReason(existing) : undefined;
    if (existing && !stale && !options.takeover) throw heldError(previous!, namespace, app);
    const object = leaseObject(namespace, app, holder);
    try {
      if (existing) {
        // A replace with the resourceVersion read: 409 if someone else changed it meanwhile.
        object.metadata.resourceVersion = existing.metadata.resourceVersion;
        await kube.request("PUT", await kube.pathOf(leaseRef(namespace, app)), {
          body: object,
          about: { verb: "update", resource: "Lease", namespace, name: leaseName(app) },
        });
      } else {
        await kube.create(object);
      }
      return { previous, previousStale: stale };
    } catch (error) {
      if (!isConflict(error) || attempt >= 2) throw error;
      // Lost a race: read again; the winner's live Lease refuses us above.
    }
  }
}

/**
 * Renews the Lease if `holder` still has it, in one request: a JSON patch
 * whose first operation tests the holderIdentity. Extra annotations (the
 * synced-file count) ride along at no cost. Returns false when the Lease
 * is gone or held by someone else (taken over).
 */
export async function renewLease(
  kube: Kube,
  namespace: string,
  app: string,
  holder: Holder,
  annotations: Record<string, string> = {},
): Promise<boolean> {
  const escape = (key: string) => key.replaceAll("~", "~0").replaceAll("/", "~1");
  try {
    await kube.request("PATCH", await kube.pathOf(leaseRef(namespace, app)), {
      contentType: "application/json-patch+json",
      body: [
        { op: "test", path: "/spec/holderIdentity", value: identityOf(holder) },
        { op: "replace", path: "/spec/renewTime", value: microTime() },
        ...Object.entries(annotations).map(([key, value]) => ({
          op: "add",
          path: `/metadata/annotations/${escape(key)}`,
          value,
        })),
      ],
      about: { verb: "patch", resource: "Lease", namespace, name: leaseName(app) },
    });
    return true;
  } catch (error) {
    const status = statusOf(error);
    // 404: deleted (uninstall dev, gc); 409/422: the test failed, another holder has it.
    if (status === 404 || status === 409 || status === 422) return false;
    throw error;
  }
}

/** Whether `holder` still holds the Lease (one GET). */
export async function stillHolds(
  kube: Kube,
  namespace: string,
  app: string,
  holder: Holder,
): Promise<{ holds: boolean; current?: Holder }> {
  const lease = await readLease(kube, namespace, app);
  if (!lease) return { holds: false };
  return { holds: lease.spec?.holderIdentity === identityOf(holder), current: holderOf(lease) };
}

/** Records what the session does (synced files, forwards) on the Lease for list and status. */
export async function annotateLease(
  kube: Kube,
  namespace: string,
  app: string,
  values: Record<string, string>,
) {
  await kube.mergePatch(leaseRef(namespace, app), { metadata: { annotations: values } });
}

/** Deletes the Lease; false when it was already gone. */
export async function releaseLease(
  kube: Kube,
  namespace: string,
  app: string,
): Promise<boolean> {
  const lease = await readLease(kube, namespace, app);
  // A Lease of that name that no session made is someone else's: never delete it.
  if (!lease || !isSessionLease(lease)) return false;
  try {
    return await kube.delete(leaseRef(namespace, app), { uid: lease.metadata.uid });
  } catch (error) {
    // Replaced since it was read: the new one is not the one being released.
    if (isConflict(error)) return false;
    throw error;
  }
}

/** Whether a Lease is one platform's sessions made (its role label). */
export function isSessionLease(lease: KubeObject): boolean {
  return lease.metadata.labels?.[ROLE_LABEL] === LEASE_ROLE;
}

/** The refusal for a Lease of the session's name that platform did not make. */
function foreignLeaseError(namespace: string, app: string): PlatformError {
  return new PlatformError(
    `a Lease ${leaseName(app)} already exists in ${namespace} and is not a session lease ` +
      "platform made; the session would replace it",
    {
      hint: `rename or remove it (kubectl -n ${namespace} get lease ${
        leaseName(app)
      } -o yaml); --takeover does not take over what is not a session`,
    },
  );
}

/** A Lease being held: renewed in the background until released or lost. */
export interface HeldLease {
  holder: Holder;
  /** Stops renewing; deletes the Lease if this session still holds it. */
  release(): Promise<boolean>;
  /** Stops renewing without touching the Lease (it is someone else's now). */
  abandon(): void;
}

/**
 * Takes the Lease and keeps renewing it every {@link RENEW_MS}. When a
 * renewal finds the Lease gone or held by another (a takeover, an
 * uninstall), `onLost` runs once with the new holder, if any.
 */
export async function holdLease(
  kube: Kube,
  namespace: string,
  app: string,
  holder: Holder,
  options: {
    takeover?: boolean;
    onLost?: (current?: Holder) => void;
    /** A renewal could not reach the API server (said once per outage); renewals go on. */
    onUnreachable?: (error: Error) => void;
    /** The API server answers again after an outage. */
    onReachable?: () => void;
    /** Annotations sent with each renewal (current counters). */
    annotations?: () => Record<string, string>;
  } = {},
): Promise<HeldLease & { previous?: Holder; previousStale?: string }> {
  const acquired = await acquireLease(kube, namespace, app, holder, options);
  let renewing = true;
  let unreachable = false;
  const renew = async () => {
    const held = await renewLease(kube, namespace, app, holder, options.annotations?.() ?? {})
      .then((held) => {
        if (unreachable) options.onReachable?.();
        unreachable = false;
        return held;
      }, (error) => {
        // No answer is not a lost Lease: retried at the next tick; a takeover shows as a failed test.
        if (!unreachable) options.onUnreachable?.(error as Error);
        unreachable = true;
        return true;
      });
    if (!held && renewing) {
      renewing = false;
      clearInterval(timer);
      const { current } = await stillHolds(kube, namespace, app, holder).catch(() => ({
        current: undefined,
      }));
      options.onLost?.(current);
    }
  };
  const timer = setInterval(() => renewing && renew(), RENEW_MS);
  const abandon = () => {
    renewing = false;
    clearInterval(timer);
  };
  return {
    ...acquired,
    holder,
    abandon,
    async release() {
      abandon();
      const { holds } = await stillHolds(kube, namespace, app, holder);
      return holds ? await releaseLease(kube, namespace, app) : false;
    },
  };
}
