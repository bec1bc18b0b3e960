/**
 * The API server's failure answers as data: the body parsed as a
 * Kubernetes `Status` (when it is one) and the {@link ErrorReason} callers
 * branch on. Pure, so every case is unit-tested without a cluster.
 */
import type { ErrorReason } from "../errors.ts";

/** What a failure answer says, read from its body. */
export interface StatusBody {
  /** Whether the body is a Kubernetes `Status` object (not plain text, not HTML). */
  isStatus: boolean;
  /** Its message, or the body's text when it is no Status. */
  message: string;
  /** Kubernetes' machine-readable reason (`NotFound`, `AlreadyExists`, `Forbidden`, ...). */
  reason?: string;
  /** `details.name`: the object the answer is about, when it names one. */
  name?: string;
  /** `details.kind`: the resource of that object. */
  kind?: string;
  /** The causes' types (`details.causes[].reason` on the wire), e.g. `NamespaceTerminating`. */
  causes: string[];
}

/** Parses a failure answer's body; anything that is not a Status keeps its text as the message. */
export function parseStatus(text: string): StatusBody {
  const trimmed = text.trim();
  let parsed: Record<string, unknown> | undefined;
  try {
    const value = JSON.parse(trimmed);
    if (value && typeof value === "object" && !Array.isArray(value)) parsed = value;
  } catch { /* not JSON: plain text such as "404 page not found" */ }
  if (!parsed) return { isStatus: false, message: trimmed, causes: [] };
  const details = (parsed.details ?? {}) as {
    name?: unknown;
    kind?: unknown;
    causes?: { reason?: unknown }[];
  };
  return {
    isStatus: parsed.kind === "Status",
    message: typeof parsed.message === "string" && parsed.message ? parsed.message : trimmed,
    reason: typeof parsed.reason === "string" && parsed.reason ? parsed.reason : undefined,
    name: typeof details.name === "string" && details.name ? details.name : undefined,
    kind: typeof details.kind === "string" && details.kind ? details.kind : undefined,
    causes: Array.isArray(details.causes)
      ? details.causes.map((cause) => cause?.reason).filter((type): type is string =>
        typeof type === "string"
      )
      : [],
  };
}

/** The Status cause Kubernetes' NamespaceLifecycle admission puts on its refusal. */
export const NAMESPACE_TERMINATING_CAUSE = "NamespaceTerminating";

/** How to get past a namespace that is being deleted: wait for it to go, then retry. */
export function namespaceTerminatingHint(namespace: string): string {
  return `wait until the namespace is gone (kubectl get namespace ${namespace} --watch), then run the ` +
    "command again; if it stays Terminating, its conditions say what holds it " +
    `(kubectl get namespace ${namespace} -o yaml)`;
}

/**
 * The reason of a failure answer. A 403 whose cause is NamespaceTerminating
 * is the namespace being deleted, not RBAC; anything unmapped is undefined.
 */
export function classifyStatus(status: number, body: StatusBody): ErrorReason | undefined {
  switch (status) {
    case 400:
      return "bad-request";
    case 401:
      return "unauthorized";
    case 403:
      return body.causes.includes(NAMESPACE_TERMINATING_CAUSE)
        ? "namespace-terminating"
        : "forbidden";
    case 404:
      return "not-found";
    case 409:
      return "conflict";
    case 410:
      return "expired";
    case 422:
      return "invalid";
    case 429:
      return "throttled";
    case 504:
      return "timeout";
  }
  return status >= 500 ? "server-error" : undefined;
}
