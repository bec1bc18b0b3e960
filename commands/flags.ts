/**
 * The settings a parsed command line sets, picked by key from its parsed
 * options. Apart from the parsers (options.ts) so that the actions
 * (commands/actions/) load no parser: a command line the quick reader
 * understands (quick_argv.ts) runs without optique.
 */
import type { FlagSettings } from "../lib/settings.ts";
import type { CommandContext } from "./context.ts";

/** Every key of FlagSettings; the compiler refuses the list if one is missing. */
const SETTING_KEYS = [
  "kubeconfig",
  "context",
  "config",
  "driver",
  "app",
  "namespace",
  "template",
  "image",
  "tag",
  "port",
  "ingressHost",
  "ingressClassName",
  "timeout",
] as const satisfies readonly (keyof FlagSettings)[];
type Unlisted = Exclude<keyof FlagSettings, typeof SETTING_KEYS[number]>;
const _everyKey: [Unlisted] extends [never] ? true : Unlisted = true;

/** The settings a parsed command line sets: its setting options, picked by key. */
export function flagsOf(parsed: FlagSettings): FlagSettings {
  const flags: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    if (parsed[key] !== undefined) flags[key] = parsed[key];
  }
  return flags as FlagSettings;
}

/** Where a verb's settings come from: its options, the environment and the working directory. */
export function settingsFrom(
  parsed: FlagSettings,
  context: Pick<CommandContext, "env" | "cwd">,
): { flags: FlagSettings; env: CommandContext["env"]; cwd: string } {
  return { flags: flagsOf(parsed), env: context.env, cwd: context.cwd };
}
