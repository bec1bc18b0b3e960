/** `platform apply dev <user>`: parse, call applyDev, shape the record. */
import {
  argument,
  command,
  constant,
  type InferValue,
  merge,
  message,
  object,
  option,
  optional,
  string,
  text,
} from "./optique.ts";
import { DRIVER_NAMES } from "../providers/sessions/registry.ts";
import { PlatformError, usageError } from "../lib/errors.ts";
import { dirOf, findUp } from "../lib/project.ts";
import type { Output } from "../lib/output.ts";
import type { CommandContext } from "./context.ts";
import { commonOptions, environmentOptions, flagsOf } from "./options.ts";
import { examples } from "./examples.ts";
import { driverValue, userValue } from "./values.ts";
import { lazy } from "../lib/lazy.ts";

/** Parser of `apply dev`. */
export const applyDevCommand = command(
  "dev",
  merge(
    object({
      verb: constant("apply-dev" as const),
      user: argument(userValue, {
        description: message`user name (a DNS-1123 label)`,
      }),
      db: optional(
        option("--db", string({ metavar: "SECRET" }), {
          description: message`name of the database secret in the secret store`,
        }),
      ),
      dryRun: option("--dry-run", {
        description:
          message`print the manifests (-o json: a v1 List, -o yaml: documents) for kubectl apply -f -; change nothing`,
      }),
      noWait: option("--no-wait", {
        description: message`do not wait until the workload is ready`,
      }),
      noSession: option("--no-session", {
        description: message`stop after the environment is ready`,
      }),
      session: option("--session", {
        description: message`start a dev session even without a terminal (scripts, CI)`,
      }),
      driver: optional(
        option("--driver", driverValue, {
          description: message`session driver: ${text(DRIVER_NAMES.join(", "))} (default builtin)`,
        }),
      ),
      takeover: option("--takeover", {
        description: message`take over a session someone else holds`,
      }),
      adopt: option("--adopt", {
        description: message`take over same-named objects platform did not create`,
      }),
    }),
    environmentOptions,
    commonOptions,
  ),
  {
    description: message`Apply a user's dev environment, wait until it is ready, print its URL`,
    footer: examples(
      ["platform apply dev alice", "then a dev session, on a terminal"],
      ["platform apply dev alice --no-session --db silly-demo-db"],
      ["platform apply dev alice --session", "a session from a script or CI"],
      ["platform apply dev alice --dry-run -o yaml | kubectl apply -f -"],
      ["platform apply dev bob --template crossplane/app-dev-db.yaml --timeout 5m"],
    ),
  },
);

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
  const { applyDev } = await lazy<typeof import("../lib/dev/apply.ts")>(
    "../lib/dev/apply.ts",
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
        flags: flagsOf(parsed),
        env: context.env,
        cwd: context.cwd,
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
