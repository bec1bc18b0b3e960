/**
 * The identity of a dev environment, derived from the user name alone so
 * that list, status and clean-up never depend on a config file.
 */
import { usageError } from "./errors.ts";
import { assertDnsLabel, assertValid, HOST_MAX } from "./validate.ts";

export { assertDnsLabel, dnsLabelProblem } from "./validate.ts";

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
  assertValid("host", "ingress host", options.ingressHost);
  const host = `${user}.${app}.${options.ingressHost}`;
  if (host.length > HOST_MAX) {
    throw usageError(
      `the environment's host ${
        JSON.stringify(host)
      } is ${host.length} characters long; at most ${HOST_MAX} fit a host name`,
      "use a shorter ingress host, user or app name",
    );
  }
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
