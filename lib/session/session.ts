/**
 * Sessions as the dev verbs use them: start one after apply dev, end one
 * before uninstall dev, repair what a crashed one left, and `platform gc`.
 */
import type { Kube } from "../kube/client.ts";
import type { Reporter } from "../progress.ts";
import { silentReporter } from "../progress.ts";
import type { Settings } from "../settings.ts";
import { loadSettings } from "../settings.ts";
import { connect, type DevCommandOptions } from "../dev/target.ts";
import { driverNamed } from "../../providers/sessions/registry.ts";
import type { RunningSession, StopResult } from "../../providers/sessions/driver.ts";
import { devSettings } from "./dev_settings.ts";
import { holderOf, isExpired, readLease } from "./lease.ts";
import { findLeftovers, type Leftover, repair } from "./repair.ts";

/** Repairs a crashed session of one app in one namespace, if there is one. */
export async function repairEnvironment(
  kube: Kube,
  namespace: string,
  app: string,
  timeoutMs: number,
  reporter: Reporter,
) {
  for (const leftover of await findLeftovers(kube, namespace)) {
    if (leftover.app !== app) continue;
    reporter.info(`found a session left behind by ${leftover.holder}; repairing`);
    reporter.step("ok", await repair(kube, leftover, timeoutMs));
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
  },
  reporter: Reporter,
): Promise<RunningSession> {
  const driver = driverNamed(settings.driver);
  await driver.preflight(target.env);
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
  });
}

/** Ends whatever session runs on an environment (any driver) and restores it. */
export async function stopSession(
  kube: Kube,
  settings: Settings,
  namespace: string,
  user: string,
  dir: string,
  env: Record<string, string | undefined>,
): Promise<StopResult | undefined> {
  const lease = await readLease(kube, namespace, settings.app);
  const driverName = lease ? holderOf(lease).driver || "builtin" : "builtin";
  const driver = driverNamed(driverName);
  const result = await driver.stop({
    kube,
    user,
    app: settings.app,
    namespace,
    dir,
    dev: await devSettings(settings, dir),
    timeoutMs: settings.timeout * 1000,
    reporter: silentReporter,
    env,
  });
  // okteto keeps no Lease of ours: its leftovers are found by name, as gc finds them.
  for (const leftover of await findLeftovers(kube, namespace)) {
    if (leftover.app === settings.app && leftover.kind === "okteto") {
      await repair(kube, leftover, settings.timeout * 1000);
      return { driver: "okteto", restored: true, leaseReleased: false };
    }
  }
  return result.restored || result.leaseReleased ? result : undefined;
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
  const settings = await loadSettings({ flags: options.flags, env: options.env, cwd: options.cwd });
  const kube = await connect(settings);
  const namespace = options.allNamespaces
    ? undefined
    : options.namespace ?? kube.config.getContextObject(kube.context)?.namespace ?? "default";
  const records: GcRecord[] = [];
  for (const leftover of await findLeftovers(kube, namespace)) {
    if (options.dryRun) {
      records.push({ ...leftover, result: "would repair" });
      continue;
    }
    const result = await repair(kube, leftover, settings.timeout * 1000);
    reporter.step("ok", result);
    records.push({ ...leftover, result: "repaired" });
  }
  return records;
}

/** A session's state for list and status. */
export async function sessionStatus(kube: Kube, namespace: string, app: string) {
  const lease = await readLease(kube, namespace, app);
  if (!lease) return undefined;
  const holder = holderOf(lease);
  return {
    driver: holder.driver,
    holder: `${holder.user}@${holder.host}`,
    since: holder.since,
    expired: isExpired(lease),
    syncedFiles: Number(lease.metadata.annotations?.["platform.dev/synced-files"] ?? 0),
    forwards: lease.metadata.annotations?.["platform.dev/forwards"] ?? "",
  };
}
