/**
 * builtin: what `okteto up` does, through the Kubernetes API alone. Lease,
 * swap, sync, run, forward; and on the way out (Ctrl-C, SIGTERM, the
 * command exiting, `uninstall dev`, or the next command after a crash)
 * restore and verify.
 */
import { Writable } from "node:stream";
import {
  acquireLease,
  annotateLease,
  releaseLease,
  RENEW_MS,
  renewLease,
  thisHolder,
} from "../../lib/session/lease.ts";
import { restore, swapIn } from "../../lib/session/swap.ts";
import { execStream, type ExecTarget } from "../../lib/session/exec.ts";
import { initialSync, type SyncStats, watchAndSync } from "../../lib/session/sync.ts";
import { startForwards } from "../../lib/session/forward.ts";
import { formatDuration } from "../../lib/progress.ts";
import type { RunningSession, SessionDriver, SessionTarget, StopResult } from "./driver.ts";

/** Restores the environment and releases the Lease (whoever held it). */
async function restoreAndRelease(target: SessionTarget): Promise<StopResult> {
  const result = await restore(target.kube, target.namespace, target.app, target.timeoutMs);
  const leaseReleased = await releaseLease(target.kube, target.namespace, target.app);
  return { driver: "builtin", ...result, leaseReleased };
}

function lines(prefix: string, write: (text: string) => void): Writable {
  let pending = "";
  return new Writable({
    write(chunk, _encoding, done) {
      pending += chunk.toString();
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      for (const line of parts) write(`${prefix}${line}\n`);
      done();
    },
  });
}

/** The builtin driver. */
export const builtinDriver: SessionDriver = {
  name: "builtin",
  description:
    "swap in a dev copy, sync, run and forward through the Kubernetes API (no other binary)",

  preflight: () => Promise.resolve(`builtin (tar: ${"required locally"})`),

  async start(target: SessionTarget): Promise<RunningSession> {
    const { kube, namespace, app, reporter, dev } = target;
    await acquireLease(kube, namespace, app, thisHolder(target.user, "builtin"), {
      takeover: target.takeover,
    });
    reporter.step("ok", `session lease ${app}-dev taken by ${target.user}`);
    const abort = new AbortController();
    let stopping: Promise<StopResult> | undefined;
    let resolveDone!: (result: StopResult) => void;
    const done = new Promise<StopResult>((resolve) => resolveDone = resolve);
    const stop = () =>
      stopping ??= (async () => {
        abort.abort();
        clearInterval(renewal);
        forwards?.close();
        reporter.info("ending the session: restoring the original Deployment");
        const result = await restoreAndRelease(target);
        if (result.restored) {
          reporter.step(
            "ok",
            `${namespace}/${app} restored: ${result.replicas} replica(s), spec hash ${result.specHash} ${
              result.verified ? "verified" : "NOT verified"
            }; lease released`,
          );
        }
        resolveDone(result);
        return result;
      })();
    const renewal = setInterval(() => renewLease(kube, namespace, app).catch(() => {}), RENEW_MS);
    let forwards: { close: () => void } | undefined;
    try {
      const pod = await swapIn(kube, namespace, app, {
        image: dev.image,
        environment: dev.environment,
      }, target.timeoutMs);
      reporter.step("ok", `dev copy ${app}-dev running (pod ${pod}); ${app} scaled to 0`);
      const exec: ExecTarget = { kube, namespace, pod, container: app };
      const started = performance.now();
      const stats: SyncStats = await initialSync(exec, target.dir, dev.workdir);
      reporter.step(
        "ok",
        `synced ${stats.files} files (${stats.bytes} bytes) to ${dev.workdir} in ${
          formatDuration(performance.now() - started)
        }`,
      );
      forwards = await startForwards(exec, dev.forwards);
      const forwardText = dev.forwards.map((forward) =>
        `127.0.0.1:${forward.local} -> ${forward.remote}`
      );
      for (const line of forwardText) reporter.step("ok", `forwarding ${line}`);
      await annotateLease(kube, namespace, app, {
        "platform.dev/synced-files": String(stats.files),
        "platform.dev/forwards": forwardText.join(","),
      });
      watchAndSync(exec, target.dir, dev.workdir, { signal: abort.signal, stats }).catch(() => {});
      if (dev.command) {
        reporter.step(
          "ok",
          `running ${dev.command.join(" ")} in ${dev.workdir}; Ctrl-C ends the session`,
        );
        const stderr = lines("", (text) => Deno.stderr.writeSync(new TextEncoder().encode(text)));
        // cd first: the command runs in the synced directory. Arguments stay argv, never a shell string.
        execStream(exec, [
          "sh",
          "-c",
          'cd "$1" && shift && exec "$@"',
          "sh",
          dev.workdir,
          ...dev.command,
        ], {
          stdout: stderr,
          stderr,
          signal: abort.signal,
        }).then(() => {
          if (!abort.signal.aborted) {
            reporter.info("the dev command ended");
            stop();
          }
        }, () => stop());
      } else {
        reporter.step("ok", "no dev command set: files sync; Ctrl-C ends the session");
      }
      return {
        forwards: forwardText,
        get syncedFiles() {
          return stats.files;
        },
        apiRequests: () => kube.requestCount,
        stop,
        done,
      };
    } catch (error) {
      await stop().catch(() => {});
      throw error;
    }
  },

  stop: restoreAndRelease,
};
