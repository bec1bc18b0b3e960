/**
 * The identity of a dev environment, derived from the user name alone so
 * that list, status and clean-up never depend on a config file.
 */
import { usageError } from "./errors.ts";

/** Label keys platform puts on everything it creates. */
export const LABELS = {
  managedBy: "app.kubernetes.io/managed-by",
  name: "app.kubernetes.io/name",
  instance: "app.kubernetes.io/instance",
  user: "platform.dev/user",
  app: "platform.dev/app",
} as const;

/** Annotation keys platform writes. */
export const ANNOTATIONS = {
  url: "platform.dev/url",
  template: "platform.dev/template",
  createdBy: "platform.dev/created-by",
} as const;

/** The value of the managed-by label. */
export const MANAGER = "platform";

/** Label marking objects that belong to a session (copy, Lease) rather than to the environment. */
export const ROLE_LABEL = "platform.dev/role";

/** Label selector matching everything platform manages. */
export const MANAGED_SELECTOR = `${LABELS.managedBy}=${MANAGER}`;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Why `value` is not a DNS-1123 label, or undefined when it is one.
 * Kubernetes uses this rule for namespaces and label-safe names.
 */
export function dnsLabelProblem(value: string): string | undefined {
  if (value.length === 0) return "it is empty";
  if (value.length > 63) return `it has ${value.length} characters; at most 63 are allowed`;
  if (/[A-Z]/.test(value)) return "it has capital letters";
  if (value.includes(".")) return "it has dots";
  if (value.includes("_")) return "it has underscores";
  if (!DNS_LABEL.test(value)) {
    return "it must be lower-case letters, digits and '-', starting and ending with a letter or digit";
  }
  return undefined;
}

/**
 * Throws a usage error (exit 2) unless `value` is a DNS-1123 label.
 * `what` names the value in the message, for example "user name".
 */
export function assertDnsLabel(what: string, value: string): string {
  const problem = dnsLabelProblem(value);
  if (problem) {
    const suggestion = value.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "")
      .slice(0, 63);
    throw usageError(
      `invalid ${what} ${JSON.stringify(value)}: ${problem}`,
      `a ${what} must be a DNS-1123 label (lower-case letters, digits and '-', 1 to 63 characters)` +
        (suggestion && suggestion !== value ? `, for example ${JSON.stringify(suggestion)}` : ""),
    );
  }
  return value;
}

/** Everything that names one user's dev environment of one app. */
export interface DevIdentity {
  user: string;
  app: string;
  namespace: string;
  /** Claim / workload id: `<user>-<app>`. */
  id: string;
  /** Object name of the workload: the app name. */
  name: string;
  /** `<user>.<app>.<ingress host>` */
  host: string;
  url: string;
  labels: Record<string, string>;
}

/** Derives the identity of `user`'s environment of `app`; validates both names. */
export function devIdentity(
  user: string,
  app: string,
  options: { ingressHost: string; namespace?: string },
): DevIdentity {
  assertDnsLabel("user name", user);
  assertDnsLabel("app name", app);
  const namespace = assertDnsLabel("namespace", options.namespace ?? user);
  const id = `${user}-${app}`;
  if (id.length > 63) {
    throw usageError(
      `the environment id ${
        JSON.stringify(id)
      } is ${id.length} characters long; at most 63 fit a label`,
      "use a shorter user or app name",
    );
  }
  const host = `${user}.${app}.${options.ingressHost}`;
  return {
    user,
    app,
    namespace,
    id,
    name: app,
    host,
    url: `http://${host}`,
    labels: devLabels(user, app),
  };
}

/** The labels on every object of `user`'s environment of `app`. */
export function devLabels(user: string, app: string): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGER,
    [LABELS.name]: app,
    [LABELS.instance]: `${user}-${app}`,
    [LABELS.user]: user,
    [LABELS.app]: app,
  };
}

/** Label selector for one user's environments (of one app, when given). */
export function devSelector(user?: string, app?: string): string {
  const parts = [MANAGED_SELECTOR];
  if (user) parts.push(`${LABELS.user}=${user}`);
  if (app) parts.push(`${LABELS.app}=${app}`);
  return parts.join(",");
}
