/**
 * The whole command-line surface in one place, and `main`: parse argv,
 * run the verb's action, print its records. `main` returns an exit code
 * and takes its streams injected, so tests run the real CLI in-process.
 */
import { command, commandLine, type InferValue, message, or, runParser } from "./optique.ts";
import {
  closest,
  type CommandNode,
  normalizeArgs,
  resolveCommand,
} from "../lib/completion/tree.ts";
import { causeChain, EXIT_USAGE, PlatformError } from "../lib/errors.ts";
import type { Output } from "../lib/output.ts";
import { lineReporter } from "../lib/progress.ts";
import { VERSION } from "../lib/version.ts";
import { applyDevCommand, runApplyDev } from "./apply_dev.ts";
import type { CommandContext } from "./context.ts";
import { listDevCommand, runListDev, runStatusDev, statusDevCommand } from "./list_dev.ts";
import { configSchemaCommand, runConfigSchema, runVersion, versionCommand } from "./misc.ts";
import {
  describeResourceCommand,
  getResourcesCommand,
  getResourceTypesCommand,
  runDescribeResource,
  runGetResources,
  runGetResourceTypes,
} from "./resources.ts";
import { runUninstallDev, uninstallDevCommand } from "./uninstall_dev.ts";
import { destroyCommand, runDestroy, runSetup, setupCommand } from "./setup.ts";
import { gcCommand, runGc } from "./gc.ts";
import {
  completionsCommand,
  runCompletions,
  runShellInit,
  shellInitCommand,
} from "./completions.ts";
import { DYNAMIC_COMPLETION, runDynamicCompletion } from "./dynamic_completion.ts";
import { initCommand, runInit } from "./init.ts";
import { commonOptions } from "./options.ts";
import { buildShape, buildTree } from "./surface.ts";

/** The parser of every verb. */
export const cli = or(
  setupCommand,
  destroyCommand,
  command("apply", applyDevCommand, {
    description: message`Create or update things in the cluster`,
  }),
  command("uninstall", uninstallDevCommand, {
    description: message`Remove things from the cluster`,
  }),
  command("list", listDevCommand, { description: message`List things` }),
  command("status", statusDevCommand, { description: message`Show the state of one thing` }),
  command("get", or(getResourceTypesCommand, getResourcesCommand), {
    description: message`List the platform's resource types and objects`,
  }),
  command("describe", describeResourceCommand, { description: message`Describe one object` }),
  gcCommand,
  command("config", configSchemaCommand, { description: message`platform.yaml helpers` }),
  versionCommand,
  initCommand,
  shellInitCommand,
  completionsCommand,
);

/** `help COMMAND` (the facade's) as a node of `root`. */
function withHelpCommand(root: CommandNode): CommandNode {
  root.children.push({
    name: "help",
    path: ["help"],
    description: "Show the help of a command",
    children: [],
    options: [],
    args: [{
      metavar: "COMMAND",
      description: "a command",
      completer: { values: root.children.map((child) => child.name) },
    }],
  });
  return root;
}

let tree: CommandNode | undefined;

/** The command tree (completion scripts), from the parsers' doc pages above. */
export function commandTree(): CommandNode {
  return tree ??= withHelpCommand(buildTree(cli, commonOptions));
}

let shape: CommandNode | undefined;

/**
 * The command tree without descriptions, from the parsers' usage: what every
 * run reads (normalization, the verb, did-you-mean), cheap to build.
 */
export function commandShape(): CommandNode {
  return shape ??= withHelpCommand(buildShape(cli, commonOptions));
}

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

type Exit = { exit: number };

/** Runs the CLI for `args`; returns the exit code. Never exits the process. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const line = (text: string) => io.stderr(text.endsWith("\n") ? text : text + "\n");
  if (argv[0] === DYNAMIC_COMPLETION) {
    io.stdout(await runDynamicCompletion(argv.slice(1), { env: io.env, cwd: io.cwd }));
    return 0;
  }
  // Bare `platform` shows the help, as kubectl does.
  const root = commandShape();
  const args = argv.length ? normalizeArgs(root, argv) : ["--help"];
  const resolved = resolveCommand(root, args);
  if (resolved.unknown !== undefined) {
    return unknownCommand(resolved.unknown, resolved.node, line);
  }
  const helpOf = ["platform", ...resolved.path, "--help"].join(" ");
  const parsed: Parsed | Exit = runParser<typeof cli, Exit, Exit>(cli, "platform", args, {
    help: { command: true, option: true, onShow: (code: number): Exit => ({ exit: code }) },
    version: {
      value: VERSION,
      option: true,
      onShow: (code?: number): Exit => ({ exit: code ?? 0 }),
    },
    onError: (): Exit => {
      line(`hint: see ${helpOf}`);
      return { exit: EXIT_USAGE };
    },
    aboveError: "none",
    // The top page lists every verb below; a one-line usage keeps it readable.
    usageLine: (usage) =>
      usage.length === 1 && usage[0].type === "exclusive"
        ? [{ type: "argument", metavar: "COMMAND" }, { type: "argument", metavar: "[OPTIONS...]" }]
        : usage,
    brief: message`platform: production-like dev environments in the shared cluster`,
    footer: message`Run ${commandLine("platform COMMAND --help")} for a command's options.`,
    stdout: (text) => io.stdout(text.endsWith("\n") ? text : text + "\n"),
    stderr: (text) => line(tidyParserError(text, resolved.node)),
    colors: false,
  });
  if ("exit" in parsed) return (parsed as Exit).exit;

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

type Parsed = InferValue<typeof cli>;

/** `platform lst`: the error, the closest verbs, exit 2. */
function unknownCommand(word: string, node: CommandNode, line: (text: string) => void): number {
  const where = ["platform", ...node.path].join(" ");
  const names = node.children.map((child) => child.name);
  const near = closest(word, names);
  line(`error: unknown command ${JSON.stringify(word)} for ${JSON.stringify(where)}`);
  line(
    near.length
      ? `hint: did you mean ${near.map((name) => `${where} ${name}`).join(" or ")}?`
      : `hint: one of ${names.join(", ")} (see ${where} --help)`,
  );
  return EXIT_USAGE;
}

/**
 * The parser's messages in the house style: `error: ...` lowercase, suggestions
 * as a hint; an unknown option gets the closest options of the verb.
 */
export function tidyParserError(text: string, node?: CommandNode): string {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const unknown = /^Error: Unexpected option or subcommand: `(-[^`]*)`/.exec(lines[0] ?? "");
  if (unknown && node && !lines.some((line) => line.startsWith("Did you mean"))) {
    const near = closest(
      unknown[1].split("=")[0],
      node.options.flatMap((option) => option.names).filter((name) => name.startsWith("--")),
    );
    if (near.length) lines.push(`Did you mean ${near.map((name) => `\`${name}\``).join(" or ")}?`);
  }
  const out: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    const error = /^Error: (.*)$/.exec(line);
    if (error) {
      const body = error[1].replace(/\.$/, "");
      // "Expected ..." and "SHELL: Expected ..." alike: lower-case the message, not a name.
      out.push(
        `error: ${
          body.replace(
            /^((?:\S+: )?)([A-Z])(?=[a-z ])/,
            (_, name, first) => `${name}${first.toLowerCase()}`,
          )
        }`,
      );
    } else if (/^Did you mean one of these\?$/.test(line)) {
      const options: string[] = [];
      while (/^\s+\S/.test(lines[index + 1] ?? "")) options.push(lines[++index].trim());
      out.push(`hint: did you mean ${options.join(" or ")}?`);
    } else if (/^Did you mean (.*)\?$/.test(line)) {
      out.push(`hint: did you mean ${line.slice("Did you mean ".length).replaceAll("`", "")}`);
    } else {
      out.push(line);
    }
  }
  return out.join("\n").replaceAll("`", "");
}

function dispatch(parsed: Parsed, context: CommandContext): Promise<Output> | Output {
  switch (parsed.verb) {
    case "apply-dev":
      return runApplyDev(parsed, context);
    case "uninstall-dev":
      return runUninstallDev(parsed, context);
    case "list-dev":
      return runListDev(parsed, context);
    case "status-dev":
      return runStatusDev(parsed, context);
    case "get-resource-types":
      return runGetResourceTypes(parsed, context);
    case "get-resources":
      return runGetResources(parsed, context);
    case "describe-resource":
      return runDescribeResource(parsed, context);
    case "config-schema":
      return runConfigSchema();
    case "version":
      return runVersion(parsed, context);
    case "init":
      return runInit(parsed, context);
    case "shell-init":
      return runShellInit(parsed, context, commandTree());
    case "completions":
      return runCompletions(parsed, commandTree());
    case "gc":
      return runGc(parsed, context);
    case "setup":
      return runSetup(parsed, context);
    case "destroy":
      return runDestroy(parsed, context);
  }
}
