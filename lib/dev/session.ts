/**
 * Sessions as the dev verbs use them: start one after apply dev, end one
 * before uninstall dev (whichever driver started it), repair what a crashed
 * one left, `platform gc`, and a session's status for list and status.
 */
import type { Kube } from "../kube/client.ts";
import { PlatformError } from "../errors.ts";
import type { Reporter } from "../progress.ts";
import { silentReporter } from "../progress.ts";
import type { Settings } from "../settings.ts";
import type { DevCommandOptions } from "./target.ts";
import { connectFrom } from "../connect.ts";
import { allInOrder } from "../in_order.ts";
import { driverNamed, DRIVERS } from "../../providers/sessions/registry.ts";
import type {
  RunningSession,
  SessionDriver,
  SessionStatus,
  StopResult,
} from "../../providers/sessions/driver.ts";
import { devSettings } from "../session/dev_settings.ts";
import { holderOf, LEASE_ROLE, leaseName, readLease, releaseLease } from "../session/lease.ts";
import { findLeftovers, type Leftover, repair } from "../session/repair.ts";
import { ROLE_LABEL } from "../identity.ts";
import type { KubeObject } from "../kube/types.ts";

/** Repairs a crashed session of one app in one namespace, if there is one. */
export async function repairEnvironment(
  kube: Kube,
  namespace: string,
  app: string,
  timeoutMs: number,
  reporter: Reporter,
): Promise<void> {
  for (const leftover of await findLeftovers(kube, namespace, DRIVERS)) {
    if (leftover.app !== app) continue;
    reporter.info(`found a session left behind by ${leftover.holder}; repairing`);
    reporter.step("ok", await repair(kube, leftover, timeoutMs, DRIVERS));
  }
}

/** Starts a session for a ready environment with the configured driver. */
export async function startSession(
  kube: Kube,
  settings: Settings,
  target: {
    user: string;
    namespace: string;
    dir: string;
    takeover?: boolean;
    env: Record<string, string | undefined>;
    signal?: AbortSignal;
    /** The driver's preflight answer, when the caller already ran it. */
    driverFound?: string;
  },
  reporter: Reporter,
): Promise<RunningSession> {
  const driver = driverNamed(settings.driver);
  const found = target.driverFound ?? await driver.preflight(target.env);
  reporter.step("ok", `session driver ${found}`);
  await kube.clientNode(); // exec and port-forward go through client-node
  return await driver.start({
    kube,
    user: target.user,
    app: settings.app,
    namespace: target.namespace,
    dir: target.dir,
    dev: await devSettings(settings, target.dir),
    takeover: target.takeover,
    timeoutMs: settings.timeout * 1000,
    reporter,
    env: target.env,
    signal: target.signal,
  });
}

/** The driver whose session is on an environment, and its status; the Lease is read once. */
async function sessionOn(
  kube: Kube,
  namespace: string,
  app: string,
  known?: KubeObject | null,
): Promise<{ driver: SessionDriver; status: SessionStatus } | undefined> {
  const lease = known !== undefined
    ? known
    : readLease(kube, namespace, app).then((found) => found ?? null);
  // Every driver at once, beside the Lease GET (okteto's clone GET is a round trip of its own);
  // the first in order that sees its session wins, as when they were asked one by one.
  const statuses = await allInOrder(
    DRIVERS.map((driver) => driver.status({ kube, namespace, app, lease })),
  );
  const index = statuses.findIndex((status) => status !== undefined);
  return index < 0 ? undefined : { driver: DRIVERS[index], status: statuses[index]! };
}

/**
 * Ends whatever session runs on an environment, whichever driver started
 * it and wherever, and restores it. With no session found, the builtin
 * restore still runs: it is a no-op unless a crash left a swap behind.
 */
export async function stopSession(
  kube: Kube,
  settings: Settings,
  target: {
    namespace: string;
    user: string;
    dir: string;
    env: Record<string, string | undefined>;
  },
  reporter: Reporter = silentReporter,
): Promise<StopResult | undefined> {
  const found = await sessionOn(kube, target.namespace, settings.app);
  const driver = found?.driver ?? driverNamed("builtin");
  const result = await driver.stop({
    kube,
    user: target.user,
    app: settings.app,
    namespace: target.namespace,
    dir: target.dir,
    dev: await devSettings(settings, target.dir),
    timeoutMs: settings.timeout * 1000,
    reporter,
    env: target.env,
  });
  // The drivers that wrap a CLI leave their Lease to whoever ends the session.
  const leaseReleased = result.leaseReleased ||
    await releaseLease(kube, target.namespace, settings.app);
  if (!found && !result.restored && !leaseReleased) return undefined;
  return { ...result, leaseReleased };
}

/** What `platform gc` found and did. */
export interface GcRecord extends Leftover {
  result: string;
}

/** Finds (and unless dryRun, repairs) session leftovers. */
export async function gc(
  options: DevCommandOptions & { allNamespaces?: boolean; namespace?: string; dryRun?: boolean } =
    {},
): Promise<GcRecord[]> {
  const reporter = options.reporter ?? silentReporter;
  const { settings, kube } = await connectFrom(options);
  const namespace = options.allNamespaces ? undefined : options.namespace ?? kube.namespace;
  const records: GcRecord[] = [];
  for (const leftover of await findLeftovers(kube, namespace, DRIVERS)) {
    if (options.dryRun) {
      records.push({ ...leftover, result: "would repair" });
      continue;
    }
    try {
      reporter.step("ok", await repair(kube, leftover, settings.timeout * 1000, DRIVERS));
      records.push({ ...leftover, result: "repaired" });
    } catch (error) {
      // One stuck environment must not keep gc from the others; the record says what failed.
      reporter.step("fail", `${leftover.namespace}/${leftover.app}: ${(error as Error).message}`);
      records.push({ ...leftover, result: `failed: ${(error as Error).message}` });
    }
  }
  const failed = records.filter((record) => record.result.startsWith("failed"));
  if (failed.length) {
    throw new PlatformError(
      `gc repaired ${records.length - failed.length} of ${records.length} leftovers; ${
        failed.map((record) => `${record.namespace}/${record.app}`).join(", ")
      } failed`,
      { hint: "the lines above say why; platform gc --dry-run lists what is left" },
    );
  }
  return records;
}

/** A session's state for list and status: driver, holder, since, synced files, forwards. */
export async function sessionStatus(
  kube: Kube,
  namespace: string,
  app: string,
): Promise<SessionStatus | undefined> {
  return (await sessionOn(kube, namespace, app))?.status;
}

/** What {@link sessionStatuses} answers from: session Leases and the marked Deployments of drivers. */
export interface SessionMarks {
  leases: KubeObject[];
  markers: KubeObject[][];
}

const MARKED = DRIVERS.filter((driver) => driver.marker);

/**
 * Lists what marks sessions, in `namespace` or across namespaces: one list of
 * session Leases, and one list per driver whose sessions can run without a
 * Lease (okteto up run by hand leaves a labelled clone). `list dev` starts it
 * beside the environments' own lists, so it costs no round trip of its own.
 */
export async function sessionMarks(kube: Kube, namespace?: string): Promise<SessionMarks> {
  const [leases, ...markers] = await Promise.all([
    kube.list("coordination.k8s.io/v1", "Lease", {
      namespace,
      labelSelector: `${ROLE_LABEL}=${LEASE_ROLE}`,
    }),
    ...MARKED.map((driver) =>
      kube.list("apps/v1", "Deployment", { namespace, labelSelector: driver.marker!.selector })
    ),
  ]);
  return { leases: leases.items, markers: markers.map((list) => list.items) };
}

/**
 * The sessions of many environments (`list dev`) in a number of requests
 * that does not grow with them: from `listed` (see {@link sessionMarks}) when
 * it was started early and succeeded, else listed now, in the environments'
 * namespace when they share one (rights that end there suffice), else across
 * namespaces. Each driver then answers from what was listed; only a
 * Lease-less session costs its driver a GET. Sessions of okteto versions that
 * did not label their clones show in `status dev`, not here.
 */
export async function sessionStatuses(
  kube: Kube,
  environments: readonly { namespace: string; app: string }[],
  listed?: Promise<SessionMarks>,
): Promise<(SessionStatus | undefined)[]> {
  if (!environments.length) return [];
  const spaces = new Set(environments.map((environment) => environment.namespace));
  const namespace = spaces.size === 1 ? [...spaces][0] : undefined;
  const key = (object: KubeObject) => `${object.metadata.namespace}/${object.metadata.name}`;
  // An early list that failed (rights that end at a namespace) is asked again, narrowed.
  const early = await listed?.catch(() => undefined);
  const { leases, markers } = early ?? await sessionMarks(kube, namespace);
  const leaseAt = new Map(leases.map((lease) => [key(lease), lease]));
  const markedAt = new Set(markers.flatMap((items) => items.map(key)));
  return await Promise.all(environments.map(async ({ namespace, app }) => {
    const lease = leaseAt.get(`${namespace}/${leaseName(app)}`) ?? null;
    if (lease) {
      // The driver the Lease names answers from it without a request.
      const named = DRIVERS.find((driver) => driver.name === holderOf(lease).driver);
      const status = await named?.status({ kube, namespace, app, lease });
      if (status) return status;
    } else if (!MARKED.some((driver) => markedAt.has(`${namespace}/${driver.marker!.name(app)}`))) {
      return undefined;
    }
    return (await sessionOn(kube, namespace, app, lease))?.status;
  }));
}
