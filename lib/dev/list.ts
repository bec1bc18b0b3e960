/** `list dev` and `status dev`: records about environments, read from the cluster. */
import { isForbidden, PlatformError } from "../errors.ts";
import type { Kube } from "../kube/client.ts";
import { assertDnsLabel } from "../identity.ts";
import { formatAge } from "../progress.ts";
import { connectFrom } from "../connect.ts";
import { allInOrder } from "../in_order.ts";
import { compositionRole } from "../crossplane/objects.ts";
import { compositionTree } from "../crossplane/tree.ts";
import type { TreeNode } from "../tree.ts";
import { type DevCommandOptions, namespaceFor } from "./target.ts";
import { environmentObjects, environmentsOf, findEnvironments } from "./environments.ts";
import { findCondition } from "../kube/types.ts";
import { sessionMarks, sessionStatus, sessionStatuses } from "./session.ts";
import { sessionLine } from "../session/status.ts";
import type { SessionStatus } from "../../providers/sessions/driver.ts";

/** A row of `list dev`. */
export interface EnvironmentRow {
  user: string;
  namespace: string;
  app: string;
  url: string;
  ready: boolean;
  age: string;
  /** The dev session on it, in one cell: driver, holder, age; empty without one. */
  session: string;
  /** The dev session on it: driver, holder, since, synced files, forwarded ports. */
  devSession?: SessionStatus;
}

/** Every dev environment in the cluster. */
export async function listDev(
  options: DevCommandOptions & {
    user?: string;
    namespace?: string;
    selector?: string;
    /** A connection to use instead of one made from the settings. */
    kube?: Kube;
  } = {},
): Promise<EnvironmentRow[]> {
  if (options.user) assertDnsLabel("user name", options.user);
  const { settings, kube } = await connectFrom(options);
  const { namespace: only, selector } = options;
  // The session marks go out beside the environments' lists: no round trip of their own.
  const marks = sessionMarks(kube, only);
  marks.catch(() => {}); // unused when nothing is found, or asked again narrowed
  const hidden = new Set<string>();
  const onHidden = (what: string) => hidden.add(what);
  const environments = await findEnvironments(kube, {
    user: options.user,
    namespace: only,
    selector,
  }, onHidden).catch((error) => {
    if (!isForbidden(error)) throw error;
    // A developer whose rights end at their namespace still sees their own environments.
    const namespace = options.user ? namespaceFor(settings, options.user) : kube.namespace;
    options.reporter?.info(
      `not allowed to list across namespaces; showing namespace ${namespace} only`,
    );
    hidden.clear();
    return findEnvironments(kube, { user: options.user, namespace, selector }, onHidden).catch(
      (inner) => {
        if (!isForbidden(inner)) throw inner;
        throw new PlatformError(
          `not allowed to list dev environments across namespaces, nor in namespace ${namespace}`,
          {
            hint: "pass --user <you> to list your own namespace, or set the namespace of your " +
              `kubeconfig context (kubectl config set-context --current --namespace <yours>)`,
            cause: inner,
          },
        );
      },
    );
  });
  for (const what of hidden) {
    options.reporter?.info(`not allowed to list ${what}; environments made of them are not shown`);
  }
  const sessions = await sessionStatuses(kube, environments, marks);
  return environments.map(({ user, namespace, app, url, ready, age }, i) => ({
    user,
    namespace,
    app,
    url,
    ready,
    age,
    ...sessionFields(sessions[i]),
  }));
}

/** The record of `status dev <user>`. */
export interface EnvironmentStatus extends EnvironmentRow {
  template: string;
  workload: string;
  state: string;
  conditions: { type: string; status: string; reason: string; message: string; age: string }[];
  objects: { kind: string; name: string; ready: string }[];
  /** The latest events of the environment's objects; filled when it is not ready. */
  events: { age: string; type: string; object: string; reason: string; message: string }[];
  /**
   * A claim's tree: claim → composite → Objects (synced, ready, paused) →
   * what they apply; only for an environment made of a Crossplane claim.
   */
  composition?: TreeNode;
}

/** One user's environment of the configured app, with conditions and (when not ready) events. */
export async function statusDev(
  user: string,
  options: DevCommandOptions = {},
): Promise<EnvironmentStatus> {
  assertDnsLabel("user name", user);
  const { settings, kube } = await connectFrom(options);
  const home = namespaceFor(settings, user);
  const { app: appName } = settings;
  // Within the user's namespace: works with rights that end there. Every read is named by the
  // settings alone, so all go out at once; events and the claim's tree follow the environment,
  // which is found among the objects (one list per kind gives both).
  const listed = environmentObjects(kube, user, appName, home);
  const found = listed.then((objects) => environmentsOf(objects)[0]);
  const [objects, environment, devSession, events, composition] = await allInOrder([
    listed,
    found,
    sessionStatus(kube, home, appName),
    found.then((e) => e && !e.ready ? recentEvents(kube, e.namespace, 10) : []),
    found.then((e) => e && compositionRole(e.object) ? compositionTree(kube, e.object) : undefined),
  ]);
  if (!environment) {
    throw new PlatformError(
      `${user} has no dev environment of ${appName} in this cluster (context ${kube.context})`,
      { hint: `create one with: platform apply dev ${user}; list all with: platform list dev` },
    );
  }
  const { user: u, namespace, app, url, ready, age, template, workload, state, conditions } =
    environment;
  return {
    user: u,
    namespace,
    app,
    url,
    ready,
    age,
    ...sessionFields(devSession),
    template,
    workload: `${workload.kind}/${workload.name}`,
    state,
    conditions: conditions.map((condition) => ({
      type: condition.type,
      status: condition.status,
      reason: condition.reason ?? "",
      message: condition.message ?? "",
      age: formatAge(condition.lastTransitionTime),
    })),
    objects: objects.map((object) => ({
      kind: object.kind,
      name: object.metadata.name ?? "",
      ready: readyCell(object),
    })),
    events,
    ...(composition ? { composition } : {}),
  };
}

function readyCell(
  object: { kind: string; status?: Record<string, unknown> } & Record<string, unknown>,
): string {
  // deno-lint-ignore no-explicit-any
  const ready = findCondition(object as any, object.kind === "Deployment" ? "Available" : "Ready");
  return ready ? ready.status : "-";
}

/** The newest events in a namespace, newest first. */
export async function recentEvents(kube: Kube, namespace: string, limit: number) {
  const { items } = await kube.list("v1", "Event", { namespace });
  const time = (event: Record<string, string | undefined>) =>
    Date.parse(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? "") || 0;
  return items
    .sort((a, b) => time(b as never) - time(a as never))
    .slice(0, limit)
    .map((event) => ({
      age: formatAge(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp),
      type: String(event.type ?? ""),
      object: `${event.involvedObject?.kind}/${event.involvedObject?.name}`,
      reason: String(event.reason ?? ""),
      message: String(event.message ?? "").trim(),
    }));
}

function sessionFields(devSession: SessionStatus | undefined) {
  return { session: sessionLine(devSession), ...(devSession ? { devSession } : {}) };
}
