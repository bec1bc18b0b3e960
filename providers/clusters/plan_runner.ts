/** Running a provider's plan, and the preflight checks most providers share. */
import { PlatformError } from "../../lib/errors.ts";
import { formatArgv, run, which } from "../../lib/run.ts";
import type { PlannedCommand, ProviderContext } from "./provider.ts";

/** Runs each planned command in order, with a progress line per command. */
export async function runPlan(
  plan: PlannedCommand[],
  context: ProviderContext,
  env: Record<string, string> = {},
) {
  for (const command of plan) {
    context.reporter.info(`${command.why}: ${formatArgv(command.argv)}`);
    await run(command.argv, {
      env: { ...definedEnv(context.env), ...env },
      cwd: context.cwd,
      what: command.why,
    });
  }
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
    throw new PlatformError(`${program} is not installed; the provider needs it`, {
      hint: install,
      exitCode: 1,
    });
  }
  const result = await run([path, ...versionArgs], {
    allowFailure: true,
    env: definedEnv(context.env),
  });
  return (result.stdout || result.stderr).trim().split("\n")[0] ?? "";
}

/** Fails with the login hint unless one of the variables is set. */
export function requireEnv(context: ProviderContext, names: string[], login: string): void {
  if (names.some((name) => context.env[name])) return;
  throw new PlatformError(`no credentials: none of ${names.join(", ")} is set`, { hint: login });
}
