/** `platform list dev` and `platform status dev <user>`. */
import { message } from "@optique/core/message";
import { merge, object } from "@optique/core/constructs";
import type { InferValue } from "@optique/core/parser";
import { argument, command, constant, option } from "@optique/core/primitives";
import { optional } from "@optique/core/modifiers";
import { string } from "@optique/core/valueparser";
import type { Output } from "../lib/output.ts";
import type { CommandContext } from "./context.ts";
import { commonOptions, environmentOptions, flagsOf } from "./options.ts";

/** Parser of `list dev`. */
export const listDevCommand = command(
  "dev",
  merge(
    object({
      verb: constant("list-dev" as const),
      user: optional(
        option("--user", string({ metavar: "USER" }), { description: message`only this user's` }),
      ),
    }),
    commonOptions,
  ),
  { description: message`List every dev environment in the cluster` },
);

/** Runs `list dev`. */
export async function runListDev(
  parsed: InferValue<typeof listDevCommand>,
  context: CommandContext,
): Promise<Output> {
  const { listDev } = await import("../lib/dev/list.ts");
  const rows = await listDev({
    user: parsed.user,
    flags: flagsOf(parsed),
    env: context.env,
    cwd: context.cwd,
    reporter: context.reporter,
  });
  return {
    kind: "table",
    records: rows.map((row) => ({ ...row })),
    columns: ["user", "namespace", "app", "url", "ready", "age", "session"],
    empty: "no dev environments (create one with: platform apply dev <user>)",
  };
}

/** Parser of `status dev`. */
export const statusDevCommand = command(
  "dev",
  merge(
    object({
      verb: constant("status-dev" as const),
      user: argument(string({ metavar: "USER" }), { description: message`user name` }),
    }),
    environmentOptions,
    commonOptions,
  ),
  { description: message`Show one dev environment: readiness, conditions, objects, recent events` },
);

/** Runs `status dev`. */
export async function runStatusDev(
  parsed: InferValue<typeof statusDevCommand>,
  context: CommandContext,
): Promise<Output> {
  const { statusDev } = await import("../lib/dev/list.ts");
  const status = await statusDev(parsed.user, {
    flags: flagsOf(parsed),
    env: context.env,
    cwd: context.cwd,
  });
  return { kind: "record", record: { ...status }, hide: status.events.length ? [] : ["events"] };
}
