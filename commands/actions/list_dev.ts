/** Runs `platform list dev` and `platform status dev`: call the library, shape the records. */
import { usageError } from "../../lib/errors.ts";
import type { Output } from "../../lib/output.ts";
import type { CommandContext } from "../context.ts";
import { flagsOf, settingsFrom } from "../flags.ts";
import type { listDevCommand, statusDevCommand } from "../list_dev.ts";
import type { InferValue } from "../optique.ts";
import { lazy } from "../../lib/lazy.ts";

/** Runs `list dev`. */
export async function runListDev(
  parsed: InferValue<typeof listDevCommand>,
  context: CommandContext,
): Promise<Output> {
  const { listDev } = await lazy<typeof import("../../lib/dev/list.ts")>(
    "../../lib/dev/list.ts",
    import.meta.url,
  );
  if (parsed.namespace && parsed.allNamespaces) {
    throw usageError("-n and -A cannot be combined", "drop one of them");
  }
  const rows = await listDev({
    user: parsed.user,
    namespace: parsed.namespace,
    selector: parsed.selector,
    flags: { ...flagsOf(parsed), namespace: undefined },
    env: context.env,
    cwd: context.cwd,
    reporter: context.reporter,
  });
  return {
    kind: "table",
    records: rows.map((row) => ({ ...row })),
    columns: ["user", "namespace", "app", "url", "ready", "age", "session"],
    empty: "no dev environments (create one with: platform apply dev <user>)",
    nameKey: "user",
  };
}

/** Runs `status dev`. */
export async function runStatusDev(
  parsed: InferValue<typeof statusDevCommand>,
  context: CommandContext,
): Promise<Output> {
  const [{ statusDev }, { treeLines }] = await Promise.all([
    lazy<typeof import("../../lib/dev/list.ts")>("../../lib/dev/list.ts", import.meta.url),
    lazy<typeof import("../../lib/tree.ts")>("../../lib/tree.ts", import.meta.url),
  ]);
  const status = await statusDev(parsed.user, {
    ...settingsFrom(parsed, context),
  });
  // The table view shows a claim's tree as indented lines; JSON and YAML keep the nested records.
  const { composition, ...rest } = status;
  return {
    kind: "record",
    record: { ...status },
    view: composition ? { ...rest, composition: treeLines(composition).join("\n") } : undefined,
    hide: status.events.length ? [] : ["events"],
  };
}
