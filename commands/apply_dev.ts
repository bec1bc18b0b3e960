/** `platform apply dev <user>`: parse, call applyDev, shape the record. */
import { message } from "@optique/core/message";
import { merge, object } from "@optique/core/constructs";
import { argument, command, constant, option } from "@optique/core/primitives";
import { optional } from "@optique/core/modifiers";
import { string } from "@optique/core/valueparser";
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
  const result = await applyDev(parsed.user, {
    db: parsed.db,
    dryRun: parsed.dryRun,
    wait: !parsed.noWait,
    flags: flagsOf(parsed),
    env: context.env,
    cwd: context.cwd,
    reporter: context.reporter,
  });
  if (result.manifests) return { kind: "documents", documents: result.manifests };
  if (result.ready) {
    context.reporter.step("ok", `${result.user}'s ${result.app} is ready at ${result.url}`);
  }
  return { kind: "record", record: { ...result } };
}
