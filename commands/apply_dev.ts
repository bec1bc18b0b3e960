/** `platform apply dev <user>`: parse, call applyDev, shape the record. */
import { message, text } from "@optique/core/message";
import { DRIVER_NAMES } from "../providers/sessions/registry.ts";
import { merge, object } from "@optique/core/constructs";
import { argument, command, constant, option } from "@optique/core/primitives";
import { optional } from "@optique/core/modifiers";
import { choice, string } from "@optique/core/valueparser";
import type { InferValue } from "@optique/core/parser";
import type { Output } from "../lib/output.ts";
import type { CommandContext } from "./context.ts";
import { commonOptions, environmentOptions, flagsOf } from "./options.ts";

/** Parser of `apply dev`. */
export const applyDevCommand = command(
  "dev",
  merge(
    object({
      verb: constant("apply-dev" as const),
      user: argument(string({ metavar: "USER" }), {
        description: message`user name (a DNS-1123 label)`,
      }),
      db: optional(
        option("--db", string({ metavar: "SECRET" }), {
          description: message`name of the database secret in the secret store`,
        }),
      ),
      dryRun: option("--dry-run", {
        description: message`print the rendered manifests; change nothing`,
      }),
      noWait: option("--no-wait", {
        description: message`do not wait until the workload is ready`,
      }),
      noSession: option("--no-session", {
        description: message`stop after the environment is ready`,
      }),
      driver: optional(
        option("--driver", choice(DRIVER_NAMES, { metavar: "DRIVER" }), {
          description: message`session driver: ${text(DRIVER_NAMES.join(", "))} (default builtin)`,
        }),
      ),
      takeover: option("--takeover", {
        description: message`take over a session someone else holds`,
      }),
    }),
    environmentOptions,
    commonOptions,
  ),
  { description: message`Apply a user's dev environment, wait until it is ready, print its URL` },
);

/** Runs `apply dev`. */
export async function runApplyDev(
  parsed: InferValue<typeof applyDevCommand>,
  context: CommandContext,
): Promise<Output> {
  const { applyDev } = await import("../lib/dev/apply.ts");
  const wantsSession = !parsed.noSession && !parsed.dryRun && !parsed.noWait;
  const result = await applyDev(parsed.user, {
    db: parsed.db,
    dryRun: parsed.dryRun,
    wait: !parsed.noWait,
    session: wantsSession ? { dir: context.cwd } : undefined,
    takeover: parsed.takeover,
    flags: flagsOf(parsed),
    env: context.env,
    cwd: context.cwd,
    reporter: context.reporter,
  });
  if (result.manifests) return { kind: "documents", documents: result.manifests };
  const { session, ...record } = result;
  if (!session) return { kind: "record", record };
  // The session runs until Ctrl-C, SIGTERM or its command ends; then it restores what it changed.
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const onSignal = () => session.stop();
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  try {
    const stopped = await session.done;
    return {
      kind: "record",
      record: {
        ...record,
        session: { ...stopped, forwards: session.forwards, syncedFiles: session.syncedFiles },
      },
    };
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
  }
}
