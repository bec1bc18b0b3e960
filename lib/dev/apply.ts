/**
 * `apply dev`: render the user's environment, apply it with server-side
 * apply, wait until it is ready. All or nothing: kinds are checked and
 * every object is dry-run on the server before the first real change.
 */
import { driverNamed } from "../../providers/sessions/registry.ts";
import { ANNOTATIONS, LABELS, MANAGER } from "../identity.ts";
import type { ApplyAction, Kube } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { describeRef, refOf } from "../kube/types.ts";
import { namespaceTerminatingHint } from "../kube/status.ts";
import { conditionReadiness, deploymentReadiness, waitFor } from "../kube/wait.ts";
import { formatDuration, type Reporter, silentReporter } from "../progress.ts";
import { isConflict, isForbidden, PlatformError } from "../errors.ts";
import { allInOrder } from "../in_order.ts";
import { DEFAULTS, type Settings, validateSettings } from "../settings.ts";
import type { Rendered, RenderParams } from "../../templates/template.ts";
import type { RunningSession } from "../../providers/sessions/driver.ts";
import { connect } from "../connect.ts";
import {
  assertServed,
  chooseTemplate,
  type DevCommandOptions,
  ingressHostOf,
  resolveDev,
} from "./target.ts";
import { findProvider } from "../../providers/clusters/registry.ts";
import { lazy } from "../lazy.ts";

/** Options of {@link applyDev}. */
export interface ApplyDevOptions extends DevCommandOptions {
  /** Name of the db secret in the secret store (--db). */
  db?: string;
  /** Render and return the manifests; contact nothing. */
  dryRun?: boolean;
  /** Wait for readiness (default true). */
  wait?: boolean;
  /**
   * Start a dev session once ready, from this local directory (default:
   * none). `starting` runs just before the session starts (the CLI installs
   * its Ctrl-C handler there); `signal` aborts a session while it starts.
   */
  session?: { dir: string; starting?: () => void; signal?: AbortSignal };
  /** Take over a session someone else holds. */
  takeover?: boolean;
  /** Take over same-named objects platform did not create (default: refuse). */
  adopt?: boolean;
}

/** One applied object. */
export interface AppliedObject {
  kind: string;
  name: string;
  namespace?: string;
  action: ApplyAction;
}

/** The record `apply dev` returns. */
export interface ApplyDevResult {
  user: string;
  namespace: string;
  app: string;
  id: string;
  url: string;
  template: string;
  ready: boolean;
  /** created, configured or unchanged: unchanged when nothing changed. */
  result: "created" | "configured" | "unchanged" | "dry-run";
  objects: AppliedObject[];
  elapsed: string;
  /** Only with dryRun: the rendered manifests. */
  manifests?: KubeObject[];
  /** The running session, when one was asked for (not part of the record). */
  session?: RunningSession;
}

/** Renders the parameters for a template from settings. */
export function renderParams(
  settings: Settings,
  identity: RenderParams["identity"],
  db: string | undefined,
  explicit: RenderParams["explicit"] = {},
): RenderParams {
  return {
    identity,
    image: settings.image,
    tag: settings.tag,
    port: settings.port,
    ingressClassName: settings.ingressClassName,
    compositionSelector: settings.compositionSelector,
    db: db === undefined ? undefined : {
      secret: db,
      storeName: settings.dbStoreName ?? defaultStoreName(settings.provider),
      name: settings.dbName,
    },
    explicit,
  };
}

/** The ClusterSecretStore name setup creates for a provider, as the provider declares it. */
export function defaultStoreName(provider: string | undefined): string {
  return findProvider(provider)?.secretStore({}).name ?? "local";
}

/**
 * Whether a developer may copy this secret-store key into their namespace.
 * The store itself only serves the developers' namespaces; this rule keeps
 * `--db prod-admin-creds` from reaching it at all.
 */
export function dbKeyAllowed(key: string, allow: string[]): boolean {
  return allow.some((rule) =>
    rule.endsWith("*") ? key.startsWith(rule.slice(0, -1)) : key === rule
  );
}

function assertDbKeyAllowed(key: string, settings: Settings): void {
  if (dbKeyAllowed(key, settings.dbAllow)) return;
  throw new PlatformError(
    `--db ${key} is not a secret ${settings.app} may use: the rule is ${
      settings.dbAllow.join(", ")
    }`,
    {
      hint: "name a key the rule allows, or ask your platform engineer to add it to db.allow " +
        "in platform.yaml",
      exitCode: 2,
    },
  );
}

/** Applies `user`'s dev environment and waits until it is ready. */
export async function applyDev(
  user: string,
  options: ApplyDevOptions = {},
): Promise<ApplyDevResult> {
  const started = Date.now();
  const reporter = options.reporter ?? silentReporter;
  const { settings, namespace, identityFor } = await resolveDev(user, options);
  // Image, tag and ingress host reach the cluster as they are: refused before any request.
  validateSettings(settings);
  if (options.db !== undefined && !options.db) {
    throw new PlatformError("--db needs the name of a secret", {
      hint: "pass the secret's name in the secret store, for example --db silly-demo-db",
      exitCode: 2,
    });
  }
  if (options.db !== undefined) assertDbKeyAllowed(options.db, settings);
  // A claim file's own image, tag, port and class yield only to flags.
  const explicit = {
    image: options.flags?.image !== undefined,
    tag: options.flags?.tag !== undefined,
    port: options.flags?.port !== undefined,
    ingressClassName: options.flags?.ingressClassName !== undefined,
  };

  // Everything a session needs is checked before the first change: a missing
  // driver binary must not leave a whole environment applied behind it.
  let driverFound: string | undefined;
  if (options.session && !options.dryRun) {
    await assertDevSettings(settings, options.session.dir);
    driverFound = await driverNamed(settings.driver).preflight(options.env ?? Deno.env.toObject());
  }
  if (options.dryRun) {
    const identity = identityFor(settings.ingressHost ?? DEFAULTS.localIngressHost);
    const template = await chooseTemplate(settings);
    const rendered = template.render(renderParams(settings, identity, options.db, explicit));
    return {
      ...summary(identity, template.name),
      ready: false,
      result: "dry-run",
      objects: rendered.manifests.map((object) => ({
        ...objectLine(object),
        action: "unchanged" as const,
      })),
      elapsed: formatDuration(Date.now() - started),
      manifests: rendered.manifests,
    };
  }

  const kube = await connect(settings);
  // The session code (and node:net, node:os under it) loads past the dry run only, and while
  // the first requests are out.
  const sessionCode = lazy<typeof import("./session.ts")>("./session.ts", import.meta.url);
  // Independent reads at once: nothing is changed before every one of them has answered.
  const [ingressHost, template, existingNamespace] = await allInOrder([
    ingressHostOf(settings, kube, reporter),
    chooseTemplate(settings, kube),
    readNamespace(kube, namespace),
    guardSession(kube, namespace, settings.app, options.takeover ?? false),
  ]);
  const identity = identityFor(ingressHost);
  const rendered = template.render(renderParams(settings, identity, options.db, explicit));
  // Served kinds first: the reads below would fail on an unserved kind with a vaguer message.
  await assertServed(kube, rendered.manifests);
  await allInOrder([
    assertOurs(kube, rendered.manifests, options.adopt ?? false),
    yieldReplicasToAutoscaler(kube, rendered.manifests, reporter),
  ]);
  const { repairEnvironment, startSession } = await sessionCode;
  await repairEnvironment(kube, namespace, settings.app, settings.timeout * 1000, reporter);

  const createdNamespace = await ensureNamespace(kube, namespace, user, existingNamespace);
  if (createdNamespace) reporter.step("ok", `namespace ${namespace} created`);
  try {
    // All at once; a refusal is reported for the first object in order, whichever came first.
    await allInOrder(
      rendered.manifests.map((object) =>
        kube.apply(object, { fieldManager: MANAGER, dryRun: true })
      ),
    );
  } catch (error) {
    // Nothing of the environment was applied; leave no empty namespace behind either.
    if (createdNamespace) {
      await kube.delete({ apiVersion: "v1", kind: "Namespace", name: namespace });
    }
    throw error;
  }

  // Each object on its own: none depends on another once the namespace is there.
  const applied = await allInOrder(
    rendered.manifests.map((object) => kube.apply(object, { fieldManager: MANAGER })),
  );
  const objects: AppliedObject[] = rendered.manifests.map((object, i) => {
    const { action } = applied[i];
    reporter.step(
      action === "unchanged" ? "skip" : "ok",
      `${describeRef(refOf(object))} ${action}`,
    );
    return { ...objectLine(object), action };
  });

  let ready = false;
  if (options.wait !== false) {
    await waitReady(kube, rendered, settings.timeout * 1000, identity.user, reporter);
    ready = true;
    reporter.step("ok", `${describeRef(rendered.workload)} ready`);
    reporter.step("ok", `${user}'s ${settings.app} is ready at ${identity.url}`);
  }
  const changed = objects.some((object) => object.action !== "unchanged") || createdNamespace;
  if (options.session && ready) options.session.starting?.();
  const session = options.session && ready
    ? await startSession(kube, settings, {
      user,
      namespace: identity.namespace,
      dir: options.session.dir,
      takeover: options.takeover,
      env: options.env ?? Deno.env.toObject(),
      signal: options.session.signal,
      driverFound,
    }, reporter)
    : undefined;
  return {
    session,
    ...summary(identity, template.name),
    ready,
    result: !changed
      ? "unchanged"
      : objects.every((object) => object.action === "created")
      ? "created"
      : "configured",
    objects,
    elapsed: formatDuration(Date.now() - started),
  };
}

function summary(identity: RenderParams["identity"], template: string) {
  return {
    user: identity.user,
    namespace: identity.namespace,
    app: identity.app,
    id: identity.id,
    url: identity.url,
    template,
  };
}

function objectLine(object: KubeObject) {
  return {
    kind: object.kind,
    name: object.metadata.name ?? "",
    namespace: object.metadata.namespace,
  };
}

/**
 * A session needs to know what to sync, where, and what to run; with none
 * set it would sync the whole directory into a guessed path. Checked
 * before anything is applied.
 */
async function assertDevSettings(settings: Settings, dir: string): Promise<void> {
  const { devSettings } = await lazy<typeof import("../session/dev_settings.ts")>(
    "../session/dev_settings.ts",
    import.meta.url,
  );
  if ((await devSettings(settings, dir)).source !== "defaults") return;
  throw new PlatformError(
    `no dev settings for ${settings.app} in ${dir}: a session needs to know what to sync and run`,
    {
      hint: "add a dev section to platform.yaml (image, command, workdir, forward; see README), " +
        "keep the repo's okteto.yaml, or pass --no-session",
      exitCode: 2,
    },
  );
}

/**
 * Refuses to apply over someone's live session: the apply would scale their
 * swapped-out original back up. A stale one (expired, or its process gone
 * on this machine) is repaired instead.
 */
async function guardSession(
  kube: Kube,
  namespace: string,
  app: string,
  takeover: boolean,
): Promise<void> {
  const { heldError, holderOf, readLease, staleReason } = await lazy<
    typeof import("../session/lease.ts")
  >("../session/lease.ts", import.meta.url);
  const lease = await readLease(kube, namespace, app);
  if (!lease || staleReason(lease) || takeover) return;
  throw heldError(holderOf(lease), namespace, app);
}

/**
 * Refuses to take over objects platform did not create: server-side apply
 * with force would adopt a same-named Deployment, Service or Ingress of
 * someone else's, and uninstall would later delete it. `--adopt` takes them
 * over on purpose. Read before anything is changed.
 */
async function assertOurs(kube: Kube, manifests: KubeObject[], adopt: boolean): Promise<void> {
  const existing = await allInOrder(
    manifests.map((object) =>
      kube.get(refOf(object)).catch((error) => {
        if (isForbidden(error)) return undefined; // the dry run below says what is not allowed
        throw error;
      })
    ),
  );
  const foreign = existing
    .filter((object): object is KubeObject =>
      object !== undefined && object.metadata.labels?.[LABELS.managedBy] !== MANAGER
    )
    .map((object) => describeRef(refOf(object)));
  if (!foreign.length || adopt) return;
  throw new PlatformError(
    `${foreign.join(", ")} already exist${
      foreign.length === 1 ? "s" : ""
    } and platform did not create ${foreign.length === 1 ? "it" : "them"}: applying would take ${
      foreign.length === 1 ? "it" : "them"
    } over`,
    {
      hint: "pick another --app or namespace, remove them, or pass --adopt to take them over " +
        "on purpose (uninstall dev would then delete them)",
    },
  );
}

/**
 * An autoscaler that targets the Deployment owns its replicas: the rendered
 * `replicas` is dropped so the apply never fights it.
 */
async function yieldReplicasToAutoscaler(
  kube: Kube,
  manifests: KubeObject[],
  reporter: Reporter,
): Promise<void> {
  for (const object of manifests) {
    if (object.kind !== "Deployment" || object.spec?.replicas === undefined) continue;
    const autoscalers = await kube.list("autoscaling/v2", "HorizontalPodAutoscaler", {
      namespace: object.metadata.namespace,
    }).catch(() => ({ items: [] as KubeObject[] }));
    const owner = autoscalers.items.find((hpa) =>
      hpa.spec?.scaleTargetRef?.kind === "Deployment" &&
      hpa.spec?.scaleTargetRef?.name === object.metadata.name
    );
    if (!owner) continue;
    delete object.spec.replicas;
    reporter.info(
      `replicas of ${object.metadata.name} left to HorizontalPodAutoscaler ${owner.metadata.name}`,
    );
  }
}

/**
 * The namespace as it is: undefined when missing, `unreadable` when rights
 * that end at the namespace cannot read it (it exists: someone gave it).
 * Fails, before anything is changed, when it is being deleted.
 */
async function readNamespace(
  kube: Kube,
  namespace: string,
): Promise<KubeObject | "unreadable" | undefined> {
  let existing: KubeObject | undefined;
  try {
    existing = await kube.get({ apiVersion: "v1", kind: "Namespace", name: namespace });
  } catch (error) {
    if (isForbidden(error)) return "unreadable";
    throw error;
  }
  if (existing?.metadata.deletionTimestamp) {
    // Whatever is applied now goes with it: fail before anything is changed, and say why.
    throw new PlatformError(
      `namespace ${namespace} is being deleted: nothing can be applied in it until it is gone`,
      { hint: namespaceTerminatingHint(namespace), reason: "namespace-terminating" },
    );
  }
  return existing;
}

/** Creates the namespace when missing (as read by {@link readNamespace}); returns whether it did. */
async function ensureNamespace(
  kube: Kube,
  namespace: string,
  user: string,
  existing: KubeObject | "unreadable" | undefined,
): Promise<boolean> {
  if (existing) return false;
  try {
    await kube.create({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: namespace,
        labels: { [LABELS.managedBy]: MANAGER, [LABELS.user]: user },
        annotations: { [ANNOTATIONS.createdBy]: "apply-dev" },
      },
    });
    return true;
  } catch (error) {
    if (isConflict(error)) return false; // created meanwhile
    throw error;
  }
}

/** Waits until the rendered workload is ready, by watch. */
export async function waitReady(
  kube: Kube,
  rendered: Rendered,
  timeoutMs: number,
  user: string,
  reporter = silentReporter,
): Promise<void> {
  const ref = rendered.workload;
  const isDeployment = rendered.readiness === "deployment-available";
  await waitFor(kube, ref, {
    check: isDeployment ? deploymentReadiness : conditionReadiness("Ready"),
    timeoutMs,
    what: `${describeRef(ref)} to be ${isDeployment ? "Available" : "Ready"}`,
    lookFurther:
      `platform status dev ${user}; kubectl -n ${ref.namespace} describe ${ref.kind.toLowerCase()} ${ref.name}`,
    onProgress: (text) => reporter.info(`${ref.kind} ${ref.name}: ${text}`),
  });
}
