/** `platform uninstall dev <user>`: parse, call uninstallDev, shape the record. */
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
} from "./optique.ts";
import type { Output } from "../lib/output.ts";
import type { CommandContext } from "./context.ts";
import { examples } from "./examples.ts";
import { commonOptions, environmentOptions, flagsOf } from "./options.ts";
import { userValue } from "./values.ts";
import { lazy } from "../lib/lazy.ts";

/** Parser of `uninstall dev`. */
export const uninstallDevCommand = command(
  "dev",
  merge(
    object({
      verb: constant("uninstall-dev" as const),
      user: argument(userValue, { description: message`user name` }),
      keepNamespace: option("--keep-namespace", {
        description: message`keep the namespace even when apply dev created it`,
      }),
      noWait: option("--no-wait", { description: message`do not wait until everything is gone` }),
      db: optional(
        option("--db", string({ metavar: "SECRET" }), {
          description:
            message`accepted for the seed's scripts and ignored: uninstall finds everything by its labels`,
        }),
      ),
    }),
    environmentOptions,
    commonOptions,
  ),
  {
    description: message`End the user's session and delete their dev environment`,
    footer: examples(
      ["platform uninstall dev alice"],
      ["platform uninstall dev alice --keep-namespace --no-wait"],
    ),
  },
);

/** Runs `uninstall dev`. */
export async function runUninstallDev(
  parsed: InferValue<typeof uninstallDevCommand>,
  context: CommandContext,
): Promise<Output> {
  const { uninstallDev } = await lazy<typeof import("../lib/dev/uninstall.ts")>(
    "../lib/dev/uninstall.ts",
    import.meta.url,
  );
  if (parsed.db !== undefined) {
    context.reporter.info(
      "--db is not needed to uninstall (everything is found by its labels); ignored",
    );
  }
  const result = await uninstallDev(parsed.user, {
    keepNamespace: parsed.keepNamespace,
    wait: !parsed.noWait,
    flags: flagsOf(parsed),
    env: context.env,
    cwd: context.cwd,
    reporter: context.reporter,
  });
  if (result.result === "nothing to delete") {
    context.reporter.step(
      "skip",
      `${parsed.user} has no ${result.app} environment; nothing to delete`,
    );
  }
  return { kind: "record", record: { ...result } };
}
