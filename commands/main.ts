/**
 * `main`: read argv, run the verb's action, print its records. It returns
 * an exit code and takes its streams injected, so tests run the real CLI
 * in-process. The everyday lines of the cluster verbs are read without the
 * parser (quick_argv.ts), and help pages come pre-rendered (help_page.ts);
 * every other line, and every error, goes through the parser (cli.ts),
 * loaded only then.
 */
import { causeChain, PlatformError } from "../lib/errors.ts";
import { lazy } from "../lib/lazy.ts";
import type { Output } from "../lib/output.ts";
import { lineReporter } from "../lib/progress.ts";
import type { CommandContext } from "./context.ts";
import type { Parsed } from "./cli.ts";
import { DYNAMIC_COMPLETION, runDynamicCompletion } from "./dynamic_completion.ts";
import { preRenderedHelp } from "./help_page.ts";
import { readQuickly } from "./quick_argv.ts";

/** Where the CLI writes; injected so tests capture it. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stdout is a terminal (auto output becomes a table). */
  isTerminal: boolean;
  /** Whether stdin is a terminal (a person, not a script). */
  interactive?: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** The process's own streams. */
export function processIo(): Io {
  const encoder = new TextEncoder();
  return {
    stdout: (text) => Deno.stdout.writeSync(encoder.encode(text)),
    stderr: (text) => Deno.stderr.writeSync(encoder.encode(text)),
    isTerminal: Deno.stdout.isTerminal(),
    interactive: Deno.stdin.isTerminal(),
    env: Deno.env.toObject(),
    cwd: Deno.cwd(),
  };
}

const parser = () => lazy<typeof import("./cli.ts")>("./cli.ts", import.meta.url);

/** Runs the CLI for `args`; returns the exit code. Never exits the process. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  if (argv[0] === DYNAMIC_COMPLETION) {
    io.stdout(await runDynamicCompletion(argv.slice(1), { env: io.env, cwd: io.cwd }));
    return 0;
  }
  const page = preRenderedHelp(argv);
  if (page !== undefined) {
    io.stdout(page);
    return 0;
  }
  const parsed = readQuickly(argv) ?? (await parser()).parseCommandLine(argv, io);
  if ("exit" in parsed) return parsed.exit;
  return await run(parsed, io);
}

/** Runs a read command line: the action, its records printed, or its error explained. */
async function run(parsed: Parsed, io: Io): Promise<number> {
  const line = (text: string) => io.stderr(text.endsWith("\n") ? text : text + "\n");
  const context: CommandContext = {
    reporter: lineReporter((text) => line(text)),
    env: io.env,
    cwd: io.cwd,
    interactive: io.interactive ?? false,
  };
  try {
    const output = await dispatch(parsed, context);
    const { render, resolveFormat } = await import("../lib/output.ts");
    const format = resolveFormat(parsed.output, io.isTerminal);
    io.stdout(
      await render(output, output.kind === "text" && format === "table" ? "table" : format),
    );
    return 0;
  } catch (error) {
    if (error instanceof PlatformError) {
      line(`error: ${error.message}`);
      if (error.hint) line(`hint: ${error.hint}`);
      if (parsed.verbose && error.cause) {
        for (const cause of causeChain(error.cause)) line(`cause: ${cause}`);
      }
      return error.exitCode;
    }
    line(`error: ${(error as Error)?.message ?? String(error)}`);
    line("hint: this is a bug in platform; run again with --verbose and report the output");
    if (parsed.verbose) line((error as Error)?.stack ?? "");
    return 1;
  }
}

/** Each verb's action, loaded when it runs: the cluster verbs' actions load no parser. */
async function dispatch(parsed: Parsed, context: CommandContext): Promise<Output> {
  switch (parsed.verb) {
    case "apply-dev": {
      const { runApplyDev } = await lazy<typeof import("./actions/apply_dev.ts")>(
        "./actions/apply_dev.ts",
        import.meta.url,
      );
      return runApplyDev(parsed, context);
    }
    case "uninstall-dev": {
      const { runUninstallDev } = await lazy<typeof import("./actions/uninstall_dev.ts")>(
        "./actions/uninstall_dev.ts",
        import.meta.url,
      );
      return runUninstallDev(parsed, context);
    }
    case "list-dev":
    case "status-dev": {
      const { runListDev, runStatusDev } = await lazy<typeof import("./actions/list_dev.ts")>(
        "./actions/list_dev.ts",
        import.meta.url,
      );
      return parsed.verb === "list-dev"
        ? runListDev(parsed, context)
        : runStatusDev(parsed, context);
    }
    case "get-resource-types":
    case "get-resources":
    case "describe-resource": {
      const resources = await lazy<typeof import("./actions/resources.ts")>(
        "./actions/resources.ts",
        import.meta.url,
      );
      if (parsed.verb === "get-resource-types") {
        return resources.runGetResourceTypes(parsed, context);
      }
      return parsed.verb === "get-resources"
        ? resources.runGetResources(parsed, context)
        : resources.runDescribeResource(parsed, context);
    }
  }
  // The other verbs' actions sit beside their parsers, which the parser has loaded already.
  const cli = await parser();
  switch (parsed.verb) {
    case "config-schema":
      return (await lazy<typeof import("./misc.ts")>("./misc.ts", import.meta.url))
        .runConfigSchema();
    case "version":
      return (await lazy<typeof import("./misc.ts")>("./misc.ts", import.meta.url)).runVersion(
        parsed,
        context,
      );
    case "init":
      return (await lazy<typeof import("./init.ts")>("./init.ts", import.meta.url)).runInit(
        parsed,
        context,
      );
    case "shell-init":
    case "completions": {
      const completions = await lazy<typeof import("./completions.ts")>(
        "./completions.ts",
        import.meta.url,
      );
      return parsed.verb === "completions"
        ? completions.runCompletions(parsed, cli.commandTree())
        : completions.runShellInit(parsed, context, cli.commandTree());
    }
    case "gc":
      return (await lazy<typeof import("./gc.ts")>("./gc.ts", import.meta.url)).runGc(
        parsed,
        context,
      );
    case "setup":
    case "destroy": {
      const setup = await lazy<typeof import("./setup.ts")>("./setup.ts", import.meta.url);
      return parsed.verb === "setup"
        ? setup.runSetup(parsed, context)
        : setup.runDestroy(parsed, context);
    }
  }
}
