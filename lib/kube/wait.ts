/**
 * Waiting by watching, not by sleeping: read the object once, then follow
 * a watch from that resourceVersion until a check passes or time runs out.
 * A timeout names what was awaited, what was seen last and where to look.
 */
import { isTransient, PlatformError } from "../errors.ts";
import type { Kube } from "./client.ts";
import type { KubeObject, ObjectRef } from "./types.ts";
import { describeRef, findCondition } from "./types.ts";

/** The verdict of a readiness check on the latest state of an object. */
export interface Readiness {
  done: boolean;
  /** What was seen, for progress lines and the timeout message. */
  summary: string;
}

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Decides on each state; undefined means the object does not exist. */
  check: (object: KubeObject | undefined) => Readiness;
  timeoutMs: number;
  /** What is awaited, for the timeout message ("Deployment alice/app to be Available"). */
  what: string;
  /** Commands that look further, for the timeout hint. */
  lookFurther: string;
  /** Called when the summary changes. */
  onProgress?: (summary: string) => void;
}

/** Watches `ref` until `check` passes; returns the last state seen. */
export async function waitFor(
  kube: Kube,
  ref: ObjectRef,
  options: WaitOptions,
): Promise<KubeObject | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  let last: Readiness = { done: false, summary: "nothing seen yet" };
  const see = (object: KubeObject | undefined) => {
    const verdict = options.check(object);
    if (verdict.summary !== last.summary) options.onProgress?.(verdict.summary);
    last = verdict;
    return verdict.done;
  };

  // List-then-watch: the list gives the state and the resourceVersion it was read at,
  // so the watch misses nothing that happens after it. A dropped connection, an API
  // server restarting (5xx, refused) or throttling (429) re-lists after a backoff
  // instead of failing the wait: a wait survives an outage shorter than its timeout.
  const collection = await kube.pathOf({ ...ref, name: undefined });
  let backoffMs = 250;
  let trouble: unknown;
  while (Date.now() < deadline) {
    try {
      const listed = await kube.request<
        { items: KubeObject[]; metadata: { resourceVersion: string } }
      >(
        "GET",
        collection,
        {
          query: { fieldSelector: `metadata.name=${ref.name}` },
          about: { verb: "list", resource: ref.kind, namespace: ref.namespace },
          timeoutMs: Math.max(1000, Math.min(30_000, deadline - Date.now())),
        },
      );
      const current = listed.items[0] &&
        { ...listed.items[0], apiVersion: ref.apiVersion, kind: ref.kind };
      if (see(current)) return current;
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) break;
      const result = await followWatch(
        kube,
        collection,
        ref.name,
        listed.metadata.resourceVersion,
        remainingMs,
        see,
      );
      if (result.done) return result.object;
      trouble = undefined;
      backoffMs = 250;
    } catch (error) {
      if (!transient(error)) throw error;
      trouble = error;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, Math.min(backoffMs, deadline - Date.now())))
      );
      backoffMs = Math.min(backoffMs * 2, 5000);
    }
  }
  const troubleText = trouble ? `; the API server was failing: ${(trouble as Error).message}` : "";
  throw new PlatformError(
    `timed out after ${
      Math.round(options.timeoutMs / 1000)
    } s waiting for ${options.what}; last seen: ${last.summary}${troubleText}`,
    {
      hint: `look further with: ${options.lookFurther}; or wait longer with --timeout`,
      cause: trouble,
    },
  );
}

/**
 * Failures a wait rides out: no answer (network, an API server restarting),
 * 5xx, 429 (throttled) and 410 (a watch window too old). Anything else
 * (403, 404 of the kind itself, a bug) is final.
 */
function transient(error: unknown): boolean {
  return isTransient(error);
}

async function followWatch(
  kube: Kube,
  collection: string,
  name: string,
  resourceVersion: string,
  remainingMs: number,
  see: (object: KubeObject | undefined) => boolean,
): Promise<{ done: boolean; object?: KubeObject }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), remainingMs);
  try {
    const stream = await kube.stream(collection, {
      query: {
        watch: true,
        fieldSelector: `metadata.name=${name}`,
        resourceVersion,
        allowWatchBookmarks: false,
        // Short windows: a connection that silently died costs at most one window.
        timeoutSeconds: Math.max(1, Math.min(60, Math.floor(remainingMs / 1000))),
      },
      signal: abort.signal,
    });
    for await (const event of watchEvents(stream, abort.signal)) {
      if (event.type === "ERROR") return { done: false }; // e.g. 410 Gone: re-read and watch again
      const object = event.type === "DELETED" ? undefined : event.object;
      if (see(object)) return { done: true, object };
    }
  } catch (error) {
    // The stream broke (an outage, a reset): the caller re-lists from scratch.
    if (!abort.signal.aborted) {
      throw error instanceof PlatformError ? error : new PlatformError(
        `the watch connection broke: ${(error as Error).message}`,
        { cause: error, reason: "unreachable" },
      );
    }
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return { done: false };
}

/** One watch event. */
export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: KubeObject;
}

/**
 * Splits a watch response body into events (one JSON object per line).
 * Aborting `signal` ends the iteration: undici does not cancel a body
 * that is already streaming, so the reader is cancelled here.
 */
export async function* watchEvents(
  stream: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<WatchEvent> {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  const cancel = () => reader.cancel().catch(() => {});
  signal?.addEventListener("abort", cancel, { once: true });
  let buffer = "";
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done || signal?.aborted) break;
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line) yield JSON.parse(line) as WatchEvent;
      }
    }
  } finally {
    signal?.removeEventListener("abort", cancel);
    await cancel();
  }
  if (buffer.trim() && !signal?.aborted) yield JSON.parse(buffer) as WatchEvent;
}

/** Ready when the Deployment's current generation is rolled out and Available. */
export function deploymentReadiness(object: KubeObject | undefined): Readiness {
  if (!object) return { done: false, summary: "the Deployment does not exist" };
  const spec = object.spec ?? {};
  const status = object.status ?? {};
  const want = spec.replicas ?? 1;
  const available = findCondition(object, "Available");
  const progressing = findCondition(object, "Progressing");
  const observed = (status.observedGeneration ?? 0) >= (object.metadata.generation ?? 0);
  const summary = [
    `${status.availableReplicas ?? 0}/${want} available`,
    `${status.updatedReplicas ?? 0} updated`,
    available
      ? `Available=${available.status}${available.reason ? ` (${available.reason})` : ""}`
      : "no Available condition",
    progressing?.status === "False"
      ? `Progressing=False: ${progressing.message ?? progressing.reason}`
      : "",
    observed ? "" : "generation not yet observed",
  ].filter(Boolean).join(", ");
  const done = observed && available?.status === "True" &&
    (status.updatedReplicas ?? 0) >= want && (status.availableReplicas ?? 0) >= want;
  return { done, summary };
}

/** Ready when the object's condition `type` (default Ready) is True for its generation. */
export function conditionReadiness(type = "Ready"): (object: KubeObject | undefined) => Readiness {
  return (object) => {
    if (!object) return { done: false, summary: "the object does not exist" };
    const condition = findCondition(object, type);
    if (!condition) return { done: false, summary: `no ${type} condition yet` };
    const stale = condition.observedGeneration !== undefined &&
      condition.observedGeneration < (object.metadata.generation ?? 0);
    const summary = `${type}=${condition.status}${
      condition.reason ? ` (${condition.reason})` : ""
    }${condition.message ? `: ${condition.message}` : ""}${
      stale ? " [for an older generation]" : ""
    }`;
    return { done: condition.status === "True" && !stale, summary };
  };
}

/** Done when the object is gone. */
export function goneReadiness(object: KubeObject | undefined): Readiness {
  if (!object) return { done: true, summary: "gone" };
  return {
    done: false,
    summary: object.metadata.deletionTimestamp
      ? `being deleted${
        object.metadata.finalizers?.length
          ? ` (finalizers: ${object.metadata.finalizers.join(", ")})`
          : ""
      }`
      : "still exists",
  };
}

/** Waits until `ref` no longer exists. */
export function waitGone(kube: Kube, ref: ObjectRef, timeoutMs: number): Promise<unknown> {
  return waitFor(kube, ref, {
    check: goneReadiness,
    timeoutMs,
    what: `${describeRef(ref)} to be deleted`,
    lookFurther: `kubectl ${
      ref.namespace ? `-n ${ref.namespace} ` : ""
    }get ${ref.kind.toLowerCase()} ${ref.name} -o yaml`,
  });
}
