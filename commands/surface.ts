/**
 * The command tree of the CLI, read from the parsers' own documentation
 * (optique's doc pages: the same entries `--help` prints), with each value's
 * completer found by its metavar (commands/values.ts). Completion scripts,
 * argument normalization and did-you-mean use it; nothing is listed twice.
 */
import { formatMessage, type Message } from "@optique/core/message";
import { getDocPageSync, type Parser } from "@optique/core/parser";
import type { ArgumentNode, CommandNode, OptionNode } from "../lib/completion/tree.ts";
import { completerOf } from "./values.ts";

const HELP: OptionNode = {
  names: ["-h", "--help"],
  description: "show help",
  completer: {},
};

function plain(text: Message | undefined): string {
  return text ? formatMessage(text, { colors: false, quotes: false }).replace(/\s+/g, " ") : "";
}

/**
 * Builds the tree of `parser` (the whole CLI). `globals` are the options
 * every verb takes; they are also accepted before the verb, so the root and
 * intermediate nodes list them too.
 */
export function buildTree(
  // deno-lint-ignore no-explicit-any
  parser: Parser<"sync", any, any>,
  // deno-lint-ignore no-explicit-any
  globals: Parser<"sync", any, any>,
  extraRootCommands: { name: string; description: string }[] = [],
): CommandNode {
  const globalOptions = optionsOf(getDocPageSync(globals, [])?.sections ?? []);
  const visit = (path: string[], name: string, description: string): CommandNode => {
    const sections = getDocPageSync(parser, path)?.sections ?? [];
    const node: CommandNode = { name, path, description, children: [], options: [], args: [] };
    for (const section of sections) {
      for (const entry of section.entries) {
        const term = entry.term;
        if (term.type === "command") {
          node.children.push(visit([...path, term.name], term.name, plain(entry.description)));
        } else if (term.type === "argument") {
          node.args.push(
            {
              metavar: term.metavar,
              description: plain(entry.description),
              completer: completerOf(term.metavar),
            } satisfies ArgumentNode,
          );
        }
      }
    }
    node.options = node.children.length ? [...globalOptions] : optionsOf(sections);
    node.options.push(HELP);
    return node;
  };
  const root = visit([], "platform", "");
  for (const extra of extraRootCommands) {
    root.children.push({ ...extra, path: [extra.name], children: [], options: [HELP], args: [] });
  }
  return root;
}

function optionsOf(
  sections: readonly { entries: readonly { term: unknown; description?: Message }[] }[],
): OptionNode[] {
  const options: OptionNode[] = [];
  for (const section of sections) {
    for (const entry of section.entries) {
      const term = entry.term as { type: string; names?: string[]; metavar?: string };
      if (term.type !== "option" || !term.names) continue;
      if (options.some((option) => option.names[0] === term.names![0])) continue;
      options.push({
        names: [...term.names],
        metavar: term.metavar,
        description: plain(entry.description),
        completer: term.metavar ? completerOf(term.metavar) : {},
      });
    }
  }
  return options;
}
