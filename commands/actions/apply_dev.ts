/** Runs `platform apply dev <user>`: call applyDev, shape the record, hold the session. */
import { PlatformError, usageError } from "../../lib/errors.ts";
import { dirOf, findUp } from "../../lib/project.ts";
import type { Output } from "../../lib/output.ts";
import type { applyDevCommand } from "../apply_dev.ts";
import type { CommandContext } from "../context.ts";
import { settingsFrom } from "../flags.ts";
import type { InferValue } from "../optique.ts";
import { lazy } from "../../lib/lazy.ts";

/**
 * The directory a session syncs: the project's, where its platform.yaml (or
 * okteto.yaml) is, also when apply dev runs from a subdirectory of it.
 */
function sessionDir(cwd: string): string {
  const settings = findUp(cwd, "platform.yaml") ?? findUp(cwd, "okteto.yaml");
  return settings ? dirOf(settings) : cwd;
}

/** Runs `apply dev`. */
export async function runApplyDev(
  parsed: InferValue<typeof applyDevCommand>,
  context: CommandContext,
): Promise<Output> {
  const { applyDev } = await lazy<typeof import("../../lib/dev/apply.ts")>(
    "../../lib/dev/apply.ts",
    import.meta.url,
  );
  if (parsed.session && (parsed.noSession || parsed.dryRun || parsed.noWait)) {
    throw usageError(
      "--session cannot be combined with --no-session, --dry-run or --no-wait",
      "a session needs a ready environment; drop one of them",
    );
  }
  const possible = !parsed.noSession && !parsed.dryRun && !parsed.noWait;
  // A script or CI job has no terminal: a blocking session there is a hang, so only on request.
  const wantsSession = parsed.session || (possible && context.interactive);
  if (possible && !wantsSession) {
    context.reporter.info("no terminal, so no dev session; add --session to start one");
  }
  // Ctrl-C, SIGTERM and a closed terminal (SIGHUP) end the session and restore the environment.
  // Installed only once the session starts: before that, Ctrl-C simply stops the apply.
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM", "SIGHUP"];
  const starting = new AbortController();
  let stop: (() => Promise<unknown>) | undefined;
  // A second signal while restoring: say what may be left and how to repair it, and go.
  const forced = Promise.withResolvers<never>();
  forced.promise.catch(() => {});
  let signalled = 0;
  const onSignal = () => {
    if (++signalled > 1) {
      return forced.reject(
        new PlatformError(
          "interrupted again: the session's restore was not waited for, so the original may " +
            "still be at 0 replicas with the dev copy running and the session lease held",
          {
            hint:
              `the next \`platform apply dev ${parsed.user}\`, \`platform uninstall dev ${parsed.user}\` ` +
              `or \`platform gc -n ${parsed.user}\` repairs it`,
            exitCode: 130,
          },
        ),
      );
    }
    context.reporter.info("ending the session (press Ctrl-C again to leave without restoring)");
    if (stop) void stop().catch(() => {});
    else starting.abort();
  };
  let listening = false;
  const listen = () => {
    listening = true;
    for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  };
  try {
    const result = await Promise.race([
      forced.promise,
      applyDev(parsed.user, {
        db: parsed.db,
        dryRun: parsed.dryRun,
        wait: !parsed.noWait,
        session: wantsSession
          ? { dir: sessionDir(context.cwd), starting: listen, signal: starting.signal }
          : undefined,
        takeover: parsed.takeover,
        adopt: parsed.adopt,
        ...settingsFrom(parsed, context),
        reporter: context.reporter,
      }),
    ]);
    if (result.manifests) return { kind: "documents", documents: result.manifests };
    const { session, ...record } = result;
    if (!session) return { kind: "record", record };
    // The session runs until Ctrl-C, SIGTERM or its command ends; then it restores what it changed.
    stop = () => session.stop();
    if (starting.signal.aborted) void session.stop().catch(() => {});
    const stopped = await Promise.race([forced.promise, session.done]);
    return {
      kind: "record",
      record: {
        ...record,
        session: { ...stopped, forwards: session.forwards, syncedFiles: session.syncedFiles },
      },
    };
  } finally {
    if (listening) { for (const signal of signals) Deno.removeSignalListener(signal, onSignal); }
  }
}
