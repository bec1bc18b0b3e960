/**
 * The compositions stand-in as a process: started detached beside the test
 * cluster (like the sandboxer, providers/clusters/kwok/sandboxer_process.ts),
 * found again by its pid file, ready once its CRDs are Established and its
 * watches have listed.
 *
 * Its lifetime follows holds, files in `<state>/<cluster>/compositions.holds/`:
 * `<pid>-<token>` for a test process that needs it (the stand-in drops holds
 * whose pid is gone), `pinned` for `cluster:up --compositions` (it holds
 * the pid of the stand-in it pins, so a pin never outlives that process).
 * With no hold
 * left it tears down (deletes the CRDs it installed, and so every claim,
 * composite and Object) and exits, because a served AppClaim CRD changes
 * what `--template auto` picks for every other test on the cluster.
 *
 * @module
 */
import { PlatformError } from "../../lib/errors.ts";
import {
  CLUSTER_ENV,
  type LocalCluster,
  SOURCE_ROOT,
} from "../../providers/clusters/kwok/local_cluster.ts";
import {
  cmdline,
  delay,
  exists,
  type Logger,
  readPid,
  removePath,
  tail,
  withLock,
} from "../../providers/clusters/kwok/processes.ts";

const STANDIN_MODULE = new URL("./standin.ts", import.meta.url).pathname;
/** Environment variable with the stand-in's drift poll interval in ms (default 1000). */
export const POLL_ENV = "PLATFORM_COMPOSITIONS_POLL_MS";
/** The hold that `cluster:up --compositions` writes: it keeps that stand-in (its pid inside) until stopped. */
export const PINNED = "pinned";

/** Where the stand-in's files are: `<stateDir>/<cluster>/compositions.*`. */
export interface CompositionsPaths {
  pid: string;
  /** Holds the stand-in's pid once its CRDs are Established and its watches listed. */
  ready: string;
  log: string;
  holds: string;
  /** Serialises starting it across processes. */
  lock: string;
}

/** The stand-in's files for a cluster. */
export function compositionsPaths(cluster: LocalCluster): CompositionsPaths {
  const own = `${cluster.stateDir}/${cluster.name}`;
  return {
    pid: `${own}/compositions.pid`,
    ready: `${own}/compositions.ready`,
    log: `${own}/compositions.log`,
    holds: `${own}/compositions.holds`,
    lock: `${own}/compositions.lock`,
  };
}

/** The running stand-in's pid, checked against its argv and environment so a reused pid is not taken for it. */
export async function compositionsPid(cluster: LocalCluster): Promise<number | undefined> {
  const pid = await readPid(compositionsPaths(cluster).pid);
  if (pid === undefined) return undefined;
  const argv = await cmdline(pid);
  const env = await Deno.readTextFile(`/proc/${pid}/environ`).catch(() => "");
  const ours = argv?.some((arg) => arg === STANDIN_MODULE || arg.endsWith("/standin.ts"));
  return ours && env.includes(`${CLUSTER_ENV}=`) ? pid : undefined;
}

/** Whether the running stand-in has written its ready file. */
async function isReady(cluster: LocalCluster, pid: number): Promise<boolean> {
  return await readPid(compositionsPaths(cluster).ready) === pid;
}

/** Options of {@linkcode ensureCompositions}. */
export interface EnsureCompositionsOptions {
  log: Logger;
  /** A hold `<pid>-<token>` for this process (see {@linkcode holdName}). */
  hold?: string;
  /** Keep it running until {@linkcode stopCompositions} (`cluster:up --compositions`). */
  pin?: boolean;
}

/** A hold's file name for this process. */
export function holdName(token: string = crypto.randomUUID().slice(0, 8)): string {
  return `${Deno.pid}-${token}`;
}

/**
 * Registers the hold (or the pin), then starts the stand-in unless it runs,
 * and waits until it is ready. A stand-in that is tearing down is waited
 * out and a new one started. Returns its pid and whether this call started it.
 */
export async function ensureCompositions(
  cluster: LocalCluster,
  options: EnsureCompositionsOptions,
): Promise<{ pid: number; started: boolean }> {
  const paths = compositionsPaths(cluster);
  await Deno.mkdir(paths.holds, { recursive: true });
  return await withLock(
    paths.lock,
    { log: options.log, what: "starting the compositions stand-in", waitMs: 180_000 },
    async () => {
      // The hold goes first: a stand-in deciding it is idle looks again
      // after removing its ready file, so it either sees this hold or is
      // seen here as not ready (and then waited out).
      if (options.hold) await Deno.writeTextFile(`${paths.holds}/${options.hold}`, "");
      // A pin names the stand-in it pins, so it is written once that one is
      // known (a fresh stand-in gives itself a few seconds before it looks).
      const pin = async (pid: number) => {
        if (options.pin) await Deno.writeTextFile(`${paths.holds}/${PINNED}`, `${pid}\n`);
        return pid;
      };
      const running = await compositionsPid(cluster);
      if (running !== undefined) {
        const deadline = Date.now() + 150_000;
        while (Date.now() < deadline) {
          if (await isReady(cluster, running)) {
            return { pid: await pin(running), started: false };
          }
          if (!(await exists(`/proc/${running}`))) break;
          await delay(200);
        }
        if (await exists(`/proc/${running}`)) {
          throw new PlatformError(
            `the compositions stand-in (pid ${running}) neither became ready nor exited`,
            { hint: `its log is ${paths.log}` },
          );
        }
      }
      return { pid: await pin(await spawn(cluster, options.log)), started: true };
    },
  );
}

async function spawn(cluster: LocalCluster, log: Logger): Promise<number> {
  const paths = compositionsPaths(cluster);
  await removePath(paths.ready);
  const env: Record<string, string> = {
    [CLUSTER_ENV]: JSON.stringify(cluster),
    DENO_NO_UPDATE_CHECK: "1",
  };
  const poll = Deno.env.get(POLL_ENV);
  if (poll) env[POLL_ENV] = poll;
  // Its own session, so a Ctrl-C in the terminal that started it does not
  // reach it; its own log file, since a detached child's stdio cannot be
  // redirected to a file from here.
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", "--config", `${SOURCE_ROOT}/deno.json`, STANDIN_MODULE],
    cwd: SOURCE_ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
    env,
  }).spawn();
  child.unref();
  await Deno.writeTextFile(paths.pid, `${child.pid}\n`);
  const exited = child.status.then(() => true);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await isReady(cluster, child.pid)) {
      log(`compositions stand-in running (pid ${child.pid}, log ${paths.log})`);
      return child.pid;
    }
    if (await Promise.race([exited, delay(200).then(() => false)])) break;
  }
  throw new PlatformError(
    `the compositions stand-in (pid ${child.pid}) did not start:\n${await tail(paths.log, 20)}`,
    { hint: `its log is ${paths.log}` },
  );
}

/**
 * Live holds of the stand-in `standinPid`: whether it is pinned, and how
 * many test processes hold it. Holds of processes that are gone, and pins
 * of another stand-in, are removed.
 */
export async function liveHolds(
  cluster: LocalCluster,
  standinPid: number | undefined,
): Promise<{ pinned: boolean; held: number }> {
  const { holds } = compositionsPaths(cluster);
  let pinned = false;
  let held = 0;
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(holds));
  } catch {
    return { pinned, held };
  }
  for (const entry of entries) {
    if (entry.name === PINNED) {
      const pid = await readPid(`${holds}/${PINNED}`);
      if (pid !== undefined && pid === standinPid) pinned = true;
      else if (pid !== undefined && !(await exists(`/proc/${pid}`))) {
        await removePath(`${holds}/${PINNED}`);
      }
      continue;
    }
    const pid = Number(entry.name.split("-")[0]);
    if (Number.isInteger(pid) && pid > 0 && await exists(`/proc/${pid}`)) held++;
    else await removePath(`${holds}/${entry.name}`);
  }
  return { pinned, held };
}

/**
 * Drops a hold. When it was the last one (and nothing pinned the stand-in),
 * waits up to `waitMs` for the stand-in to tear down and exit, so the next
 * test file starts on a cluster without the AppClaim CRD. Returns whether it
 * is gone.
 */
export async function releaseCompositions(
  cluster: LocalCluster,
  hold: string,
  waitMs = 120_000,
): Promise<boolean> {
  await removePath(`${compositionsPaths(cluster).holds}/${hold}`);
  const pid = await compositionsPid(cluster);
  if (pid === undefined) return true;
  const { pinned, held } = await liveHolds(cluster, pid);
  if (pinned || held > 0) return false;
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    if (!(await exists(`/proc/${pid}`))) return true;
    await delay(200);
  }
  return false;
}

/**
 * Stops the stand-in if it runs and removes the pin. `teardown` (SIGTERM)
 * lets it delete its CRDs and what they hold first; without it (SIGINT, for
 * a cluster about to be deleted anyway) it exits at once. Returns whether
 * one was running.
 */
export async function stopCompositions(
  cluster: LocalCluster,
  options: { log: Logger; teardown: boolean },
): Promise<boolean> {
  const paths = compositionsPaths(cluster);
  await removePath(`${paths.holds}/${PINNED}`);
  const pid = await compositionsPid(cluster);
  if (pid !== undefined) {
    try {
      Deno.kill(pid, options.teardown ? "SIGTERM" : "SIGINT");
    } catch {
      // gone meanwhile
    }
    const deadline = Date.now() + (options.teardown ? 150_000 : 5_000);
    while (Date.now() < deadline && await exists(`/proc/${pid}`)) await delay(100);
    if (await exists(`/proc/${pid}`)) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    options.log(`compositions stand-in stopped (pid ${pid})`);
  }
  await removePath(paths.pid);
  await removePath(paths.ready);
  return pid !== undefined;
}
