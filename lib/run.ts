/**
 * Running other programs: argv arrays only, never a shell string, and a
 * failure becomes a PlatformError that shows the command and the last
 * lines it printed.
 */
import { PlatformError } from "./errors.ts";

/** What a finished command produced. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link run}. */
export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  stdin?: string;
  timeoutMs?: number;
  /** Return the result instead of throwing on a non-zero exit. */
  allowFailure?: boolean;
  /** What the command is for, for the error message. */
  what?: string;
  /** Hint for a failure. */
  hint?: string;
}

/** Runs `argv` and returns its output; throws (with the output's tail) unless allowFailure. */
export async function run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  const [program, ...args] = argv;
  let output: Deno.CommandOutput;
  try {
    const child = new Deno.Command(program, {
      args,
      env: options.env,
      cwd: options.cwd,
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      signal: options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined,
    }).spawn();
    if (options.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(options.stdin));
      await writer.close();
    }
    output = await child.output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new PlatformError(
        `${program} is not installed (needed to ${options.what ?? "continue"})`,
        {
          hint: options.hint ?? `install ${program} and make sure it is on PATH`,
          cause: error,
        },
      );
    }
    throw error;
  }
  const decoder = new TextDecoder();
  const result = {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
  if (result.code !== 0 && !options.allowFailure) {
    const tail = (result.stderr.trim() || result.stdout.trim()).split("\n").slice(-8).join("\n  ");
    throw new PlatformError(
      `${options.what ? `${options.what}: ` : ""}${formatArgv(argv)} exited with ${result.code}${
        tail ? `:\n  ${tail}` : ""
      }`,
      { hint: options.hint ?? "run the command by hand to see all of its output" },
    );
  }
  return result;
}

/** An argv as a person would type it (quoted where needed), for plans and messages. */
export function formatArgv(argv: string[]): string {
  return argv.map((arg) =>
    /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`
  ).join(" ");
}

/** The path of `program` on PATH, or undefined. */
export async function which(
  program: string,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<string | undefined> {
  if (program.includes("/")) return (await isExecutable(program)) ? program : undefined;
  for (const dir of (env.PATH ?? "").split(":").filter(Boolean)) {
    const candidate = `${dir}/${program}`;
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    const info = await Deno.stat(path);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}
