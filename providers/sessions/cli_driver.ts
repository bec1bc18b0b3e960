/** What the drivers that wrap another CLI share: finding the binary and running argv. */
import { PlatformError } from "../../lib/errors.ts";
import { run, which } from "../../lib/run.ts";
import { definedEnv } from "../clusters/plan_runner.ts";
import type { RunningSession, SessionDriver, SessionTarget } from "./driver.ts";

/** Finds `program` and its version, or fails with the install hint. */
export async function findCli(
  program: string,
  env: Record<string, string | undefined>,
  install: string,
  versionArgs: string[],
) {
  const path = await which(program, env);
  if (!path) {
    throw new PlatformError(`${program} is not installed; the ${program} session driver needs it`, {
      hint: install,
    });
  }
  const result = await run([path, ...versionArgs], { allowFailure: true, env: definedEnv(env) });
  return `${program} ${(result.stdout || result.stderr).trim().split("\n")[0]}`;
}

/** Runs a wrapped CLI in the foreground, its output going to the terminal's stderr. */
export async function runForeground(
  argv: string[],
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<number> {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: definedEnv(env),
    cwd,
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return (await child.status).code;
}

/** A session that is one foreground process of a wrapped CLI; when it ends, the driver's stop runs. */
export function foregroundSession(
  driver: SessionDriver,
  argv: string[],
  target: SessionTarget,
): RunningSession {
  const done = runForeground(argv, target.env, target.dir).then(() => driver.stop(target));
  return {
    forwards: [],
    syncedFiles: 0,
    apiRequests: () => 0,
    stop: () => driver.stop(target),
    done,
  };
}
