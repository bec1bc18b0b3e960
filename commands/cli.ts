/**
 * The whole command-line surface in one place: the parser of every verb,
 * the command trees read from it (completion, did-you-mean), and reading
 * a command line with it, errors and help included. main.ts runs what it
 * reads.
 */
import { command, commandLine, type InferValue, message, or, runParser } from "./optique.ts";
import {
  closest,
  type CommandNode,
  normalizeArgs,
  resolveCommand,
} from "../lib/completion/tree.ts";
import { EXIT_USAGE } from "../lib/errors.ts";
import { VERSION } from "../lib/version.ts";
import { applyDevCommand } from "./apply_dev.ts";
import { listDevCommand, statusDevCommand } from "./list_dev.ts";
import { configSchemaCommand, versionCommand } from "./misc.ts";
import {
  describeResourceCommand,
  getResourcesCommand,
  getResourceTypesCommand,
} from "./resources.ts";
import { uninstallDevCommand } from "./uninstall_dev.ts";
import { destroyCommand, setupCommand } from "./setup.ts";
import { gcCommand } from "./gc.ts";
import { completionsCommand, shellInitCommand } from "./completions.ts";
import { initCommand } from "./init.ts";
import type { Io } from "./main.ts";
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

/** A command line read by the parser: every verb's options, typed. */
export type Parsed = InferValue<typeof cli>;

/** A command line that ended in the parser: help or the version printed, or a usage error. */
export type Exit = { exit: number };

/**
 * Reads `argv` with the parser: its value, or the exit code once the
 * parser has printed help, the version or what is wrong (on `io`).
 */
export function parseCommandLine(argv: readonly string[], io: Io): Parsed | Exit {
  const line = (text: string) => io.stderr(text.endsWith("\n") ? text : text + "\n");
  // Bare `platform` shows the help, as kubectl does.
  const root = commandShape();
  const args = argv.length ? normalizeArgs(root, argv) : ["--help"];
  const resolved = resolveCommand(root, args);
  if (resolved.unknown !== undefined) {
    return { exit: unknownCommand(resolved.unknown, resolved.node, line) };
  }
  const helpOf = ["platform", ...resolved.path, "--help"].join(" ");
  return runParser<typeof cli, Exit, Exit>(cli, "platform", args, {
    // -h as kubectl takes it (the completion tree offers it).
    help: {
      command: true,
      option: { names: ["-h", "--help"] },
      onShow: (code: number): Exit => ({ exit: code }),
    },
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
}

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
