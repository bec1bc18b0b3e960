/** A session's state as its Lease records it, for `list dev`, `status dev` and the drivers. */
import { formatAge } from "../progress.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Kube } from "../kube/client.ts";
import { holderOf, LEASE_ANNOTATIONS, readLease, staleReason } from "./lease.ts";

/** A session as `status dev` and `list dev` show it. */
export interface SessionStatus {
  driver: string;
  /** `user@host`, or what the driver knows of the holder. */
  holder: string;
  since: string;
  /** The Lease was not renewed in time, or its process is gone: a leftover for gc. */
  stale?: string;
  syncedFiles?: number;
  /** The last sync failure and when, while the session has not synced since. */
  lastSyncError?: string;
  forwards?: string;
}

/** Where to look for a session's state. */
export interface StatusTarget {
  kube: Kube;
  namespace: string;
  app: string;
  /**
   * The session Lease when the caller already read it (or is reading it: the
   * drivers then ask at once, beside that GET); null when there is none.
   */
  lease?: KubeObject | null | Promise<KubeObject | null>;
}

/** The status a Lease records (pure, but for the same-machine liveness check). */
export function statusOfLease(lease: KubeObject): SessionStatus {
  const holder = holderOf(lease);
  const annotations = lease.metadata.annotations ?? {};
  const synced = annotations[LEASE_ANNOTATIONS.syncedFiles];
  return {
    driver: holder.driver,
    holder: `${holder.user}@${holder.host}`,
    since: holder.since,
    stale: staleReason(lease),
    syncedFiles: synced === undefined ? undefined : Number(synced),
    forwards: annotations[LEASE_ANNOTATIONS.forwards],
    lastSyncError: annotations[LEASE_ANNOTATIONS.syncError] || undefined,
  };
}

/** The Lease of a status target: the one the caller read, or one GET. */
export async function leaseOf(target: StatusTarget): Promise<KubeObject | undefined> {
  if (target.lease !== undefined) return (await target.lease) ?? undefined;
  return await readLease(target.kube, target.namespace, target.app);
}

/** The status of `driver`'s session on an environment, from its Lease. */
export async function leaseStatusOf(
  driver: string,
  target: StatusTarget,
): Promise<SessionStatus | undefined> {
  const lease = await leaseOf(target);
  if (!lease) return undefined;
  const status = statusOfLease(lease);
  return status.driver === driver ? status : undefined;
}

/** A compact one-cell line of a session for `list dev`: driver, holder, age, stale. */
export function sessionLine(status: SessionStatus | undefined, now = Date.now()): string {
  if (!status) return "";
  const age = formatAge(status.since, now);
  return `${status.driver} ${status.holder}${age ? ` ${age}` : ""}${
    status.stale ? ` (${status.stale})` : ""
  }${status.lastSyncError ? " (sync failing)" : ""}`;
}
