/** `platform gc`: find and repair what crashed dev sessions left behind. */
import { command, constant, type InferValue, merge, message, object, option } from "./optique.ts";
import type { Output } from "../lib/output.ts";
import type { CommandContext } from "./context.ts";
import { examples } from "./examples.ts";
import { commonOptions, namespaceFilter } from "./options.ts";
import { settingsFrom } from "./flags.ts";
import { lazy } from "../lib/lazy.ts";

/** Parser of `gc`. */
export const gcCommand = command(
  "gc",
  merge(
    object({
      verb: constant("gc" as const),
      namespace: namespaceFilter("namespace (default: the context's)"),
      allNamespaces: option("-A", "--all-namespaces", { description: message`every namespace` }),
      dryRun: option("--dry-run", {
        description: message`list what would be repaired; change nothing`,
      }),
    }),
    commonOptions,
  ),
  {
    description:
      message`Repair what crashed dev sessions left: copies, originals at 0 replicas, expired leases`,
    footer: examples(["platform gc -A --dry-run", "what would be repaired"], [
      "platform gc -n alice",
    ]),
  },
);

/** Runs `gc`. */
export async function runGc(
  parsed: InferValue<typeof gcCommand>,
  context: CommandContext,
): Promise<Output> {
  const { gc } = await lazy<typeof import("../lib/dev/session.ts")>(
    "../lib/dev/session.ts",
    import.meta.url,
  );
  const records = await gc({
    namespace: parsed.namespace,
    allNamespaces: parsed.allNamespaces,
    dryRun: parsed.dryRun,
    ...settingsFrom(parsed, context),
    reporter: context.reporter,
  });
  return {
    kind: "table",
    records: records.map((record) => ({ ...record })),
    columns: ["namespace", "app", "kind", "holder", "action", "result"],
    empty: "no leftovers",
  };
}
