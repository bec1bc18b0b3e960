/**
 * What the drivers that wrap another CLI share: finding the binary, running
 * argv, and holding the session Lease while the wrapped CLI runs in the
 * foreground, so a second developer is refused by name and `list dev`,
 * `uninstall dev` and gc know which driver runs the session.
 */
import { PlatformError } from "../../lib/errors.ts";
import { run, which } from "../../lib/run.ts";
import type { RunningSession, SessionDriver, SessionTarget, StopResult } from "./driver.ts";
import { lazy } from "../../lib/lazy.ts";

/** The environment without unset entries, as Deno.Command wants it. */
export function definedEnv(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** The cluster a wrapped CLI must attach to: the one platform used, never ~/.kube/config's default. */
export interface ClusterRef {
  kubeconfig: string;
  context: string;
}

/** The cluster of a target's connection. */
export function clusterOf(target: Pick<SessionTarget, "kube">): ClusterRef {
  return { kubeconfig: target.kube.kubeconfigPath, context: target.kube.context };
}

/** The environment a wrapped CLI runs with: KUBECONFIG names the file(s) platform read. */
export function cliEnv(
  target: Pick<SessionTarget, "env" | "kube">,
): Record<string, string | undefined> {
  return { ...target.env, KUBECONFIG: target.kube.kubeconfigPath };
}

/** Finds `program` and its version, or fails with the install hint. */
export async function findCli(
  program: string,
  env: Record<string, string | undefined>,
  install: string,
  versionArgs: string[],
): Promise<string> {
  const path = await which(program, env);
  if (!path) {
    throw new PlatformError(`${program} is not installed; the ${program} session driver needs it`, {
      hint: install,
    });
  }
  const result = await run([path, ...versionArgs], { allowFailure: true, env: definedEnv(env) });
  return `${program} ${(result.stdout || result.stderr).trim().split("\n")[0]}`;
}

/** Whether `program` is on PATH (stop paths skip a CLI that is gone rather than fail). */
export async function hasCli(
  program: string,
  env: Record<string, string | undefined>,
): Promise<boolean> {
  return Boolean(await which(program, env));
}

/** Runs a wrapped CLI to completion, its output going to the terminal; returns the exit code. */
export async function runForeground(
  argv: string[],
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<number> {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: definedEnv(env),
    cwd,
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return (await child.status).code;
}

/**
 * A session that is one foreground process of a wrapped CLI, under the
 * session Lease. When the process ends (or stop() ends it), the driver's
 * stop runs and the Lease is released; when the Lease is taken over, the
 * process is ended and the environment left to the new holder.
 */
export async function foregroundSession(
  driver: SessionDriver,
  argv: string[],
  target: SessionTarget,
  /** Runs under the Lease before the CLI starts (okteto pauses a claim's Objects here). */
  prepare?: () => Promise<void>,
): Promise<RunningSession> {
  const { kube, namespace, app, reporter } = target;
  // The lease code (and node:os under it) loads with a session, not with the driver registry.
  const { holdLease, thisHolder } = await lazy<typeof import("../../lib/session/lease.ts")>(
    "../../lib/session/lease.ts",
    import.meta.url,
  );
  let takenOverBy: string | undefined;
  // Set once spawned; the Lease may be lost (onLost) at any time after it is taken.
  const running: { child?: Deno.ChildProcess } = {};
  const lease = await holdLease(kube, namespace, app, thisHolder(target.user, driver.name), {
    takeover: target.takeover,
    onLost: (current) => {
      takenOverBy = current ? `${current.user} on ${current.host}` : "uninstall dev or gc";
      reporter.step("fail", `the session was taken over by ${takenOverBy}; ending ${argv[0]}`);
      running.child?.kill("SIGTERM");
    },
  });
  reporter.step("ok", `session lease ${app}-dev taken by ${target.user} (${driver.name})`);
  if (prepare) {
    try {
      await prepare();
    } catch (error) {
      // Whatever prepare did is undone by the driver's stop, as after a session.
      await driver.stop(target).catch(() => {});
      await lease.release().catch(() => false);
      throw error;
    }
  }
  reporter.step("ok", `running ${argv.join(" ")}`);
  const child = running.child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: definedEnv(cliEnv(target)),
    cwd: target.dir,
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  let stopping = false;
  const done: Promise<StopResult> = child.status.then(async (status) => {
    if (takenOverBy) {
      lease.abandon();
      return { driver: driver.name, restored: false, leaseReleased: false, takenOverBy };
    }
    const result = await driver.stop(target);
    const stopped = { ...result, leaseReleased: await lease.release() };
    // Its own failure, not our SIGTERM: the session did not work, and the exit code says so.
    if (!stopping && status.code !== 0) {
      throw new PlatformError(
        `${argv[0]} exited with code ${status.code}${
          status.signal ? ` (${status.signal})` : ""
        }; ` +
          "the environment was restored",
        { hint: `its own output above says why; run ${argv.join(" ")} by hand to look further` },
      );
    }
    return stopped;
  });
  done.catch(() => {});
  return {
    forwards: target.dev.forwards.map((forward) =>
      `127.0.0.1:${forward.local} -> ${forward.remote}`
    ),
    syncedFiles: 0,
    apiRequests: () => kube.requestCount,
    stop: () => {
      stopping = true;
      try {
        child.kill("SIGTERM");
      } catch {
        // already exited
      }
      return done;
    },
    done,
  };
}
