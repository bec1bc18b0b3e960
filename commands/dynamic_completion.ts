/**
 * The hidden `platform __complete <source>`: kept apart from the parsers so
 * that platform.ts reaches it without loading the rest of the CLI.
 */
import { DYNAMIC_SOURCES, type DynamicSource } from "../lib/completion/tree.ts";

/** The name of the hidden verb completion scripts run. */
export const DYNAMIC_COMPLETION = "__complete";

/**
 * `platform __complete <source> [--kubeconfig F] [--context C] [--config F]`:
 * one value a line; nothing at all on any failure or after the timeout.
 */
export async function runDynamicCompletion(
  args: string[],
  context: { env: Record<string, string | undefined>; cwd: string },
): Promise<string> {
  const [source, ...rest] = args;
  if (!DYNAMIC_SOURCES.includes(source as DynamicSource)) return "";
  const flags: Record<string, string> = {};
  for (let index = 0; index + 1 < rest.length; index += 2) {
    flags[rest[index].replace(/^--/, "")] = rest[index + 1];
  }
  const { dynamicValues } = await import("../lib/completion/dynamic.ts");
  const values = await dynamicValues(source as DynamicSource, {
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    config: flags.config,
    env: context.env,
    cwd: context.cwd,
    timeoutMs: Number(context.env.PLATFORM_COMPLETION_TIMEOUT_MS) || undefined,
  });
  return values.map((value) => `${value}\n`).join("");
}
