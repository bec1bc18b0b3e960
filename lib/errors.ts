/**
 * One error type for everything platform reports to a person: what went
 * wrong, a hint saying how to fix it, and the exit code the CLI should use.
 * Library functions throw it; only platform.ts turns it into an exit code.
 */

/** Exit code for a failure at run time (cluster, template, timeout, ...). */
export const EXIT_FAILURE = 1;
/** Exit code for bad input caught before any request was sent. */
export const EXIT_USAGE = 2;

/** Options of a {@link PlatformError}. */
export interface PlatformErrorOptions {
  /** How to fix it, shown under the error as `hint: ...`. */
  hint?: string;
  /** Process exit code; defaults to {@link EXIT_FAILURE}. */
  exitCode?: number;
  /** The underlying error, shown with --verbose. */
  cause?: unknown;
  /** The HTTP status of the API server's answer, when one caused it. */
  status?: number;
  /** What kind of failure it is, for callers to branch on (see {@link reasonOf}). */
  reason?: ErrorReason;
}

/**
 * Kinds of failure callers branch on, set where the API server's answer (or
 * its absence) becomes an error, so no caller reads status codes or message
 * text:
 * - `not-found`: the object (or the path) does not exist (404);
 * - `conflict`: it already exists or changed meanwhile (409);
 * - `forbidden`: RBAC refused the request (403);
 * - `namespace-terminating`: the namespace is being deleted, so nothing new
 *   can be created in it (a 403 whose cause is NamespaceTerminating);
 * - `kind-not-served`: the cluster does not serve the kind (no such resource);
 * - `unauthorized`: the credentials were rejected (401);
 * - `invalid`: the server refused the object as invalid (422);
 * - `bad-request`: the server refused the request (400);
 * - `expired`: a watch or list window is too old (410);
 * - `throttled`: too many requests (429);
 * - `timeout`: no answer in time (client side, or the server's 504);
 * - `server-error`: any other 5xx;
 * - `unreachable`: no connection (refused, DNS, TLS);
 * - `not-kubernetes`: the endpoint answers but is not a Kubernetes API server.
 */
export type ErrorReason =
  | "not-found"
  | "conflict"
  | "forbidden"
  | "namespace-terminating"
  | "kind-not-served"
  | "unauthorized"
  | "invalid"
  | "bad-request"
  | "expired"
  | "throttled"
  | "timeout"
  | "server-error"
  | "unreachable"
  | "not-kubernetes";

/**
 * An error meant for a person: a message, a hint and an exit code; from the
 * cluster also the HTTP status and a {@link ErrorReason} to branch on.
 */
export class PlatformError extends Error {
  readonly hint?: string;
  readonly exitCode: number;
  /** The API server's HTTP status, when an answer caused it. */
  readonly status?: number;
  /** What kind of failure it is; undefined for failures that are not the cluster's. */
  readonly reason?: ErrorReason;

  constructor(message: string, options: PlatformErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "PlatformError";
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT_FAILURE;
    this.status = options.status;
    this.reason = options.reason;
  }
}

/** The reason of a {@link PlatformError}; undefined for anything else. */
export function reasonOf(error: unknown): ErrorReason | undefined {
  return error instanceof PlatformError ? error.reason : undefined;
}

/** The HTTP status behind a {@link PlatformError}; undefined when no answer caused it. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof PlatformError ? error.status : undefined;
}

/** Whether the object (or path) does not exist. */
export function isNotFound(error: unknown): boolean {
  return reasonOf(error) === "not-found";
}

/** Whether the object already exists or changed meanwhile (409). */
export function isConflict(error: unknown): boolean {
  return reasonOf(error) === "conflict";
}

/** Whether RBAC refused the request (not a namespace being deleted). */
export function isForbidden(error: unknown): boolean {
  return reasonOf(error) === "forbidden";
}

/** Whether the request failed because its namespace is being deleted. */
export function isNamespaceTerminating(error: unknown): boolean {
  return reasonOf(error) === "namespace-terminating";
}

/** Whether the cluster does not serve the kind asked for. */
export function isKindNotServed(error: unknown): boolean {
  return reasonOf(error) === "kind-not-served";
}

/**
 * Whether trying again later may succeed: no answer or no connection, a
 * server error, throttling, or an expired watch window.
 */
export function isTransient(error: unknown): boolean {
  const reason = reasonOf(error);
  return reason === "timeout" || reason === "unreachable" || reason === "server-error" ||
    reason === "throttled" || reason === "expired";
}

/** A usage error (exit code 2): the input was refused before any request. */
export function usageError(message: string, hint?: string): PlatformError {
  return new PlatformError(message, { hint, exitCode: EXIT_USAGE });
}

/** The chain of causes of an error, outermost first, as readable lines. */
export function causeChain(error: unknown): string[] {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 10; depth++) {
    if (current instanceof Error) {
      lines.push(`${current.name}: ${current.message}`);
      current = current.cause;
    } else {
      lines.push(String(current));
      break;
    }
  }
  return lines;
}
