/**
 * The builtin driver's machinery (builtin.ts), loaded when a session
 * starts or is stopped: the lease, swap, sync, exec and port-forward code
 * and the Node modules under it stay out of every other command's start-up.
 */
import { Writable } from "node:stream";
import { PlatformError } from "../../lib/errors.ts";
import {
  annotateLease,
  type Holder,
  holdLease,
  LEASE_ANNOTATIONS,
  releaseLease,
  stillHolds,
  thisHolder,
} from "../../lib/session/lease.ts";
import { differencesWarning, restore, swapIn } from "../../lib/session/swap.ts";
import { findWorkload } from "../../lib/session/composition.ts";
import { execCollect, execStream, type ExecTarget } from "../../lib/session/exec.ts";
import { initialSync, type SyncStats, watchAndSync } from "../../lib/session/sync.ts";
import { type Forwards, startForwards } from "../../lib/session/forward.ts";
import { formatDuration } from "../../lib/progress.ts";
import { phase } from "../../lib/session/phases.ts";
import type { RunningSession, SessionTarget, StopResult } from "./driver.ts";

/** Restores the environment and releases the Lease (whoever held it): uninstall dev, gc. */
export async function restoreAndRelease(target: SessionTarget): Promise<StopResult> {
  const restoring = restore(target.kube, target.namespace, target.app, target.timeoutMs);
  // Released even when the restore failed: a Lease left behind would refuse every later session.
  const released = restoring.then(
    () => releaseLease(target.kube, target.namespace, target.app),
    () => releaseLease(target.kube, target.namespace, target.app),
  );
  const [result, leaseReleased] = await Promise.all([restoring, released]);
  return { driver: "builtin", ...result, leaseReleased };
}

/** A Writable that hands complete lines to `write` (the dev command's output). */
function lines(write: (line: string) => void): Writable {
  let pending = "";
  return new Writable({
    write(chunk, _encoding, done) {
      pending += chunk.toString();
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      for (const line of parts) write(line);
      done();
    },
    final(done) {
      if (pending) write(pending);
      done();
    },
  });
}

/** A dev command that ends sooner than this after starting is a failed start, not a session. */
const EARLY_EXIT_MS = Number(Deno.env.get("PLATFORM_SESSION_EARLY_EXIT_MS") ?? 10_000);

/** Broken exec streams a session rides out (each waits for the API server) before it gives up. */
const MAX_COMMAND_RECONNECTS = 5;

/** How many of the dev command's last lines a failure shows. */
const KEPT_LINES = 20;

/**
 * Checks that the initial sync landed: the container counts the files in
 * its workdir. An exec that runs nothing still reports success (a node that
 * cannot exec, the local cluster without its sandboxer), so only a count
 * printed by the container proves it. At least as many as were sent: the
 * container may hold more (ignored files, its own).
 */
async function verifySync(exec: ExecTarget, workdir: string, sent: number): Promise<void> {
  const result = await execCollect(exec, [
    "sh",
    "-c",
    'cd "$1" && echo "platform-sync-ok $(find . -type f | wc -l)"',
    "sh",
    workdir,
  ]);
  const found = Number(result.stdout.match(/platform-sync-ok\s+(\d+)/)?.[1] ?? NaN);
  if (!(found >= sent)) {
    throw new PlatformError(
      `the initial sync did not land: ${
        Number.isNaN(found) ? "the container did not answer" : `only ${found} of ${sent} files are`
      } in ${workdir} in pod ${exec.pod}${
        result.stderr.trim() ? ` (${result.stderr.trim()})` : ""
      }`,
      {
        hint: "the dev container needs sh, tar and find, and its node must run exec; on the " +
          "local cluster `platform setup` restarts the pod sandboxer that makes exec work",
      },
    );
  }
}

/** How long the first sync is retried on a pod that does not take exec yet. */
const FIRST_SYNC_MS = 10_000;

/** Runs `fn` until it succeeds or {@link FIRST_SYNC_MS} pass (then its last error), unless aborted. */
async function withRetries<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const deadline = Date.now() + FIRST_SYNC_MS;
  for (let attempt = 0;; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() >= deadline || signal?.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 2000)));
    }
  }
}

/** "exit status 3" out of the cluster's failure message (its wording varies by kubelet). */
function exitText(status: string): string {
  const code = status.match(/exit (?:status|code) (\d+)/)?.[1];
  return code ? `exit status ${code}` : status.replace(/^Failure: /, "");
}

/** Interrupted while starting: the environment is restored and nothing runs. */
const interrupted = () =>
  new PlatformError("interrupted while the session was starting; the environment is restored", {
    exitCode: 130,
  });

/** Starts a builtin session: lease, swap, sync, run, forward. */
export async function startSession(target: SessionTarget): Promise<RunningSession> {
  const { kube, namespace, app, reporter, dev } = target;
  const holder = thisHolder(target.user, "builtin");
  const stats: SyncStats = { files: 0, bytes: 0 };
  const abort = new AbortController();
  let forwards: Forwards | undefined;
  let stopping: Promise<StopResult> | undefined;
  /** Why the session failed, reported once the environment is restored. */
  let failure: PlatformError | undefined;
  const finished = Promise.withResolvers<StopResult>();
  // Whoever awaits `done` sees a failed restore; the other callers of stop() need not.
  finished.promise.catch(() => {});

  // Read-only, before the Lease: a Deployment that something would re-assert is refused here.
  const workload = await findWorkload(kube, namespace, app);
  const deployment = workload.deployment;

  const lease = await holdLease(kube, namespace, app, holder, {
    takeover: target.takeover,
    // Each renewal carries the counters and the last sync failure, for list dev and status dev.
    annotations: () => ({
      [LEASE_ANNOTATIONS.syncedFiles]: String(stats.files),
      [LEASE_ANNOTATIONS.syncError]: stats.lastError
        ? `${stats.lastErrorAt ?? ""} ${stats.lastError}`.trim().slice(0, 500)
        : "",
    }),
    onLost: (current) => void end({ lostTo: current ?? null }).catch(() => {}),
    onUnreachable: (error) =>
      reporter.step(
        "fail",
        `lost the connection to the API server (${error.message}); the session goes on and retries`,
      ),
    onReachable: () => reporter.step("ok", "the API server answers again; the session goes on"),
  });
  const previous = lease.previous;
  reporter.step(
    "ok",
    previous && target.takeover && !lease.previousStale
      ? `session lease ${app}-dev taken over from ${previous.user} on ${previous.host}`
      : `session lease ${app}-dev taken by ${target.user}`,
  );

  /**
   * Ends the session. Before touching the cluster it checks that the
   * Lease is still ours: after a takeover (or an uninstall from another
   * terminal) restoring would pull the environment from under its new owner.
   */
  const end = (why: { lostTo?: Holder | null } = {}) =>
    stopping ??= (async (): Promise<StopResult> => {
      abort.abort();
      forwards?.close();
      const owner = why.lostTo !== undefined
        ? { holds: false, current: why.lostTo ?? undefined }
        : await stillHolds(kube, namespace, app, holder).catch(() => ({
          holds: true,
          current: undefined,
        }));
      if (!owner.holds) {
        lease.abandon();
        // Its dev command ended because the copy went with the takeover: not a failure of its own.
        failure = undefined;
        const who = owner.current ? `${owner.current.user} on ${owner.current.host}` : undefined;
        reporter.step(
          "fail",
          who
            ? `the session was taken over by ${who}; the environment is theirs to restore`
            : "the session's lease was removed (uninstall dev or gc); nothing left to restore here",
        );
        return { driver: "builtin", restored: false, leaseReleased: false, takenOverBy: who };
      }
      reporter.info("ending the session: restoring the original Deployment");
      await phase("restore", reporter);
      let result;
      try {
        result = await restore(kube, namespace, deployment, target.timeoutMs);
      } finally {
        await lease.release().catch(() => false);
      }
      const unpaused = result.unpaused?.length
        ? `; ${result.unpaused.map((ref) => ref.name).join(", ")} unpaused`
        : "";
      if (result.restored && result.verified) {
        reporter.step(
          "ok",
          `${namespace}/${deployment} restored: ${result.replicas} replica(s), spec hash ${result.specHash} verified${unpaused}; lease released`,
        );
      } else if (result.restored) {
        reporter.step("fail", `warning: ${differencesWarning(namespace, deployment, result)}`);
      }
      return { driver: "builtin", ...result, leaseReleased: true };
    })().then((result) => {
      if (failure) finished.reject(failure);
      else finished.resolve(result);
      return result;
    }, (error) => {
      finished.reject(error);
      throw error;
    });

  const startStep = async <T>(step: Promise<T>): Promise<T> => {
    const value = await step;
    if (target.signal?.aborted) throw interrupted();
    return value;
  };

  try {
    await startStep(phase("lease", reporter, target.signal));
    if (workload.via) {
      reporter.step(
        "ok",
        `${deployment} found through ${workload.via}; pausing it for the session`,
      );
    }
    const swapped = await startStep(swapIn(
      kube,
      namespace,
      deployment,
      {
        image: dev.image,
        environment: dev.environment,
        session: holder.id,
      },
      target.timeoutMs,
      workload.owners,
    ));
    for (const warning of swapped.warnings) reporter.step("fail", `warning: ${warning}`);
    const { pod, container } = swapped;
    reporter.step(
      "ok",
      `dev copy ${deployment}-dev running (pod ${pod}); ${deployment} scaled to 0`,
    );
    await startStep(phase("swap", reporter, target.signal));
    const exec: ExecTarget = { kube, namespace, pod, container };
    await startStep(phase("sync", reporter, target.signal));
    const started = performance.now();
    // A pod that just turned Ready may not take exec at once (its node is still setting it
    // up): the first sync is tried for a few seconds before the session gives up.
    const initial = await startStep(withRetries(async () => {
      const synced = await initialSync(exec, target.dir, dev.workdir);
      await verifySync(exec, dev.workdir, synced.files);
      return synced;
    }, target.signal));
    Object.assign(stats, initial);
    reporter.step(
      "ok",
      `synced ${stats.files} files (${stats.bytes} bytes) to ${dev.workdir} in ${
        formatDuration(performance.now() - started)
      }`,
    );
    forwards = await startForwards(exec, dev.forwards, {
      onError: (message) => reporter.step("fail", `forward: ${message}`),
    });
    const forwardText = dev.forwards.map((forward) =>
      `127.0.0.1:${forward.local} -> ${forward.remote}`
    );
    for (const line of forwardText) reporter.step("ok", `forwarding ${line}`);
    await annotateLease(kube, namespace, app, {
      [LEASE_ANNOTATIONS.syncedFiles]: String(stats.files),
      [LEASE_ANNOTATIONS.forwards]: forwardText.join(","),
    });
    watchAndSync(exec, target.dir, dev.workdir, {
      signal: abort.signal,
      stats,
      onSync: () => forwards?.synced(),
      onError: (error) => reporter.step("fail", `sync: ${error.message}`),
    }).catch((error) => reporter.step("fail", `sync stopped: ${(error as Error).message}`));
    if (dev.command) {
      reporter.step(
        "ok",
        `running ${dev.command.join(" ")} in ${dev.workdir}; Ctrl-C ends the session`,
      );
      const command = dev.command;
      const last: string[] = [];
      const output = lines((line) => {
        last.push(line);
        if (last.length > KEPT_LINES) last.shift();
        reporter.info(line);
      });
      const fail = (error: PlatformError) => {
        failure = error;
        end().catch(() => {});
      };
      let drops = 0;
      /** Set while a command restarted after an outage has not yet run for long. */
      let recovering = false;
      /**
       * The exec stream broke without an exit status (the API server went
       * away, a laptop slept): wait until the cluster answers, then run
       * the command again, rather than tear down a session that is fine.
       */
      const reconnect = async (why: string, ranMs: number) => {
        // Only breaks in a row count: a command that ran steadily since the last one starts afresh.
        if (ranMs >= EARLY_EXIT_MS) drops = 0;
        if (++drops > MAX_COMMAND_RECONNECTS) {
          return fail(
            new PlatformError(`the dev command's connection broke ${drops} times: ${why}`, {
              hint: "check the connection to the cluster; the environment was restored",
            }),
          );
        }
        reporter.step(
          "fail",
          `the dev command's connection was lost (${why}); waiting for the API server`,
        );
        let pod: unknown;
        while (!abort.signal.aborted) {
          try {
            pod = await kube.get({ apiVersion: "v1", kind: "Pod", namespace, name: exec.pod });
            break;
          } catch {
            await new Promise((resolve) => setTimeout(resolve, 1000));
          }
        }
        if (abort.signal.aborted) return;
        // Gone with a takeover or an uninstall: end() sorts out whose environment it is.
        if (!pod) return void end().catch(() => {});
        // The node may need a while after a control-plane restart before it execs again (kwok
        // relists its exec rules with a backoff of its own: "no exec found" for some seconds):
        // 1, 2, 4, 8, 16 s, so the reconnects ride out half a minute, not five seconds.
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            abort.signal.removeEventListener("abort", done);
            resolve();
          };
          const timer = setTimeout(done, 1000 * 2 ** Math.min(drops - 1, 4));
          abort.signal.addEventListener("abort", done, { once: true });
        });
        if (abort.signal.aborted) return;
        reporter.step("ok", `the API server answers again; restarting ${command.join(" ")}`);
        recovering = true;
        runCommand();
      };
      const runCommand = () => {
        const commandStarted = Date.now();
        const afterOutage = recovering;
        recovering = false;
        // cd first: the command runs in the synced directory. Arguments stay argv, never a shell string.
        execStream(exec, [
          "sh",
          "-c",
          'cd "$1" && shift && exec "$@"',
          "sh",
          dev.workdir,
          ...command,
        ], { stdout: output, stderr: output, signal: abort.signal }).then((status) => {
          if (abort.signal.aborted) return;
          const ranMs = Date.now() - commandStarted;
          if (status === "Closed") return reconnect("the exec stream closed", ranMs);
          const failed = status !== "Success";
          if (afterOutage && ranMs < EARLY_EXIT_MS) {
            return reconnect(`it ended right after the outage: ${exitText(status)}`, ranMs);
          }
          if (failed || ranMs < EARLY_EXIT_MS) {
            // A dev server that is not running is a failed session, never a quiet exit 0.
            reporter.step("fail", `the dev command ended after ${formatDuration(ranMs)}`);
            return fail(
              new PlatformError(
                `the dev command ${command.join(" ")} ended after ${formatDuration(ranMs)} (${
                  failed ? exitText(status) : "it exited"
                })${
                  last.length ? `; its last output:\n${last.join("\n")}` : "; it printed nothing"
                }`,
                {
                  hint: "a dev command must keep running (a server, a watcher); check " +
                    "dev.command and dev.workdir in platform.yaml. The environment was restored",
                },
              ),
            );
          }
          reporter.info(`the dev command ended (${status})`);
          end().catch(() => {});
        }, async (error) => {
          if (abort.signal.aborted) return;
          const reachable = await kube.request("GET", "/version", { timeoutMs: 3000 })
            .then(() => true, () => false);
          if (!reachable) return reconnect((error as Error).message, Date.now() - commandStarted);
          reporter.step("fail", `the dev command could not run: ${(error as Error).message}`);
          fail(
            new PlatformError(`the dev command could not run: ${(error as Error).message}`, {
              hint: "the dev image needs sh; check dev.command in platform.yaml",
              cause: error,
            }),
          );
        });
      };
      runCommand();
    } else {
      reporter.step("ok", "no dev command set: files sync; Ctrl-C ends the session");
    }
    await startStep(phase("running", reporter, target.signal));
    return {
      forwards: forwardText,
      get syncedFiles() {
        return stats.files;
      },
      apiRequests: () => kube.requestCount,
      stop: () => end(),
      done: finished.promise,
    };
  } catch (error) {
    await end().catch(() => {});
    throw error;
  }
}
