/** Runs `platform uninstall dev <user>`: call uninstallDev, shape the record. */
import type { Output } from "../../lib/output.ts";
import type { CommandContext } from "../context.ts";
import { settingsFrom } from "../flags.ts";
import type { InferValue } from "../optique.ts";
import type { uninstallDevCommand } from "../uninstall_dev.ts";
import { lazy } from "../../lib/lazy.ts";

/** Runs `uninstall dev`. */
export async function runUninstallDev(
  parsed: InferValue<typeof uninstallDevCommand>,
  context: CommandContext,
): Promise<Output> {
  const { uninstallDev } = await lazy<typeof import("../../lib/dev/uninstall.ts")>(
    "../../lib/dev/uninstall.ts",
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
    ...settingsFrom(parsed, context),
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
