/**
 * The sandboxer as a process: started detached beside the control plane (it
 * outlives the command that started it, like the control plane does),
 * found again by its pid file, stopped with the cluster.
 *
 * @module
 */
import { PlatformError } from "../../../lib/errors.ts";
import { CLUSTER_ENV, clusterPaths, type LocalCluster, SOURCE_ROOT } from "./local_cluster.ts";
import { cmdline, delay, type Logger, readPid, removePath, tail, terminate } from "./processes.ts";

const SANDBOXER_MODULE = new URL("./sandboxer.ts", import.meta.url).pathname;
/** Kept in step with platform.ts, which a compiled binary runs instead of the module. */
const SANDBOXER_ARG = "__sandboxer";

/** How this runtime starts the sandboxer: the module under deno, or this binary when compiled. */
function sandboxerArgs(): string[] {
  return Deno.build.standalone
    ? [SANDBOXER_ARG]
    // The source tree's own deno.json resolves its imports, wherever the cluster's files live.
    : ["run", "--allow-all", "--quiet", "--config", `${SOURCE_ROOT}/deno.json`, SANDBOXER_MODULE];
}

/** The running sandboxer's pid, checked against its argv so a reused pid is not mistaken for it. */
export async function sandboxerPid(cluster: LocalCluster): Promise<number | undefined> {
  const pid = await readPid(clusterPaths(cluster).sandboxerPid);
  if (pid === undefined) return undefined;
  const argv = await cmdline(pid);
  const env = await Deno.readTextFile(`/proc/${pid}/environ`).catch(() => "");
  const ours = argv?.some((arg) => arg.endsWith("sandboxer.ts") || arg === SANDBOXER_ARG);
  return ours && env.includes(`${CLUSTER_ENV}=`) ? pid : undefined;
}

/** Starts the sandboxer unless it runs, and waits until its watches are up; true when it started it. */
export async function ensureSandboxer(cluster: LocalCluster, log: Logger): Promise<boolean> {
  if (await sandboxerPid(cluster) !== undefined) return false;
  const paths = clusterPaths(cluster);
  await Deno.mkdir(paths.podsDir, { recursive: true });
  await removePath(paths.sandboxerReady);
  // Its own session, so a Ctrl-C in the terminal that started it does not
  // reach it; its own log file, because a detached child's stdio cannot be
  // redirected to a file from here.
  const child = new Deno.Command(Deno.execPath(), {
    args: sandboxerArgs(),
    cwd: paths.podsDir,
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
    env: { [CLUSTER_ENV]: JSON.stringify(cluster), DENO_NO_UPDATE_CHECK: "1" },
  }).spawn();
  child.unref();
  await Deno.writeTextFile(paths.sandboxerPid, `${child.pid}\n`);
  const exited = child.status.then(() => true);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await readPid(paths.sandboxerReady) === child.pid) {
      log(`sandboxer running (pid ${child.pid}, log ${paths.sandboxerLog})`);
      return true;
    }
    if (await Promise.race([exited, delay(200).then(() => false)])) break;
  }
  throw new PlatformError(
    `the local cluster's sandboxer (pid ${child.pid}) did not start:\n${await tail(
      paths.sandboxerLog,
      20,
    )}`,
    { hint: `its log is ${paths.sandboxerLog}` },
  );
}

/** Stops the sandboxer if it runs. Returns whether it did. */
export async function stopSandboxer(cluster: LocalCluster, log: Logger): Promise<boolean> {
  const paths = clusterPaths(cluster);
  const pid = await sandboxerPid(cluster);
  if (pid !== undefined) {
    await terminate(pid);
    log(`sandboxer stopped (pid ${pid})`);
  }
  await removePath(paths.sandboxerPid);
  await removePath(paths.sandboxerReady);
  return pid !== undefined;
}
