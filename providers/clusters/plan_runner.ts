/** Running a provider's plan, and the preflight checks most providers share. */
import { PlatformError } from "../../lib/errors.ts";
import { formatArgv, run, which } from "../../lib/run.ts";
import type { PlannedCommand, ProviderContext } from "./provider.ts";

/** Runs each planned command in order, with a progress line per command. */
export async function runPlan(plan: PlannedCommand[], context: ProviderContext) {
  for (const command of plan) {
    context.reporter.info(`${command.why}: ${formatCommand(command)}`);
    await run(command.argv, {
      env: { ...definedEnv(context.env), ...command.env },
      cwd: context.cwd,
      what: command.why,
    });
  }
}

/** A planned command as a person would type it, its variables first. */
export function formatCommand(command: PlannedCommand): string {
  const env = Object.entries(command.env ?? {}).map(([key, value]) =>
    formatArgv([`${key}=${value}`])
  );
  return [...env, formatArgv(command.argv)].join(" ");
}

/** A planned command as one argv array; variables it needs go first, through env(1). */
export function planArgv(command: PlannedCommand): string[] {
  const env = Object.entries(command.env ?? {}).map(([key, value]) => `${key}=${value}`);
  return env.length ? ["env", ...env, ...command.argv] : command.argv;
}

/** The environment without unset entries, as Deno.Command wants it. */
export function definedEnv(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** Fails with the install hint unless `program` is on PATH; returns its version line. */
export async function requireProgram(
  program: string,
  context: ProviderContext,
  install: string,
  versionArgs = ["--version"],
): Promise<string> {
  const path = await which(program, context.env);
  if (!path) {
    throw new PlatformError(`${program} is not installed; the ${program} CLI is needed`, {
      hint: install,
      exitCode: 1,
    });
  }
  const result = await run([path, ...versionArgs], {
    allowFailure: true,
    env: definedEnv(context.env),
    timeoutMs: 30_000,
  });
  return (result.stdout || result.stderr).trim().split("\n")[0] ?? "";
}

/** The first of `names` that is set, or undefined. */
export function firstSet(context: ProviderContext, names: string[]): string | undefined {
  return names.find((name) => context.env[name]);
}

/** Whether any of the files exists (credential files are checked by presence, never read). */
export async function anyFileExists(paths: (string | undefined)[]): Promise<boolean> {
  for (const path of paths) {
    if (!path) continue;
    try {
      if ((await Deno.stat(path)).isFile) return true;
    } catch { /* not there: try the next */ }
  }
  return false;
}

/** The error for missing credentials, with the login hint. */
export function noCredentials(what: string, hint: string): PlatformError {
  return new PlatformError(`no credentials: ${what}`, { hint });
}
