/**
 * The command tree of the CLI, read from the parsers' own documentation
 * (optique's doc pages: the same entries `--help` prints), with each value's
 * completer found by its metavar (commands/values.ts), for the completion
 * scripts; and the same tree without descriptions, read from the parsers'
 * usage, for what every run does (argument normalization, did-you-mean).
 * Nothing is listed twice.
 */
import {
  formatMessage,
  getDocPageSync,
  type Message,
  type Parser,
  type Usage,
  type UsageTerm,
} from "./optique.ts";
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

/** Whether the doc pages leave a term out (optique's isDocHidden). */
function docHidden(hidden: unknown): boolean {
  return hidden === true || hidden === "doc" || hidden === "help";
}

/**
 * The tree of {@link buildTree} without descriptions, read from the parsers'
 * usage (plain data, built with the parsers) instead of their doc pages,
 * which render every description. It is what `main` reads on every run to
 * normalize argv, find the verb and suggest one, for about a millisecond
 * instead of some 25 ms; tests/unit/completion_tree_test.ts checks that
 * both readings agree.
 */
export function buildShape(
  // deno-lint-ignore no-explicit-any
  parser: Parser<"sync", any, any>,
  // deno-lint-ignore no-explicit-any
  globals: Parser<"sync", any, any>,
): CommandNode {
  const optionsIn = (usage: Usage): OptionNode[] => {
    const options: OptionNode[] = [];
    const walk = (terms: Usage): void => {
      for (const term of terms) {
        if (term.type === "option") {
          if (docHidden(term.hidden)) continue;
          if (options.some((option) => option.names[0] === term.names[0])) continue;
          options.push({
            names: [...term.names],
            metavar: term.metavar,
            description: "",
            completer: term.metavar ? completerOf(term.metavar) : {},
          });
        } else if (term.type === "exclusive") {
          for (const alternative of term.terms) walk(alternative);
        } else if (hasTerms(term)) {
          walk(term.terms);
        }
      }
    };
    walk(usage);
    return options;
  };
  const globalOptions = optionsIn(globals.usage);
  const visit = (path: string[], name: string, usage: Usage): CommandNode => {
    const node: CommandNode = { name, path, description: "", children: [], options: [], args: [] };
    /** Everything after a command term is that command's. */
    const own: UsageTerm[] = [];
    const walk = (terms: Usage): void => {
      for (const [index, term] of terms.entries()) {
        if (term.type === "command") {
          if (!docHidden(term.hidden)) {
            node.children.push(visit([...path, term.name], term.name, terms.slice(index + 1)));
          }
          return;
        } else if (term.type === "exclusive") {
          for (const alternative of term.terms) walk(alternative);
        } else if (hasTerms(term)) {
          walk(term.terms);
        } else {
          own.push(term);
          if (term.type === "argument" && !docHidden(term.hidden)) {
            node.args.push({
              metavar: term.metavar,
              description: "",
              completer: completerOf(term.metavar),
            });
          }
        }
      }
    };
    walk(usage);
    node.options = node.children.length ? [...globalOptions] : optionsIn(own);
    node.options.push(HELP);
    return node;
  };
  return visit([], "platform", parser.usage);
}

function hasTerms(term: UsageTerm): term is UsageTerm & { terms: Usage } {
  return term.type === "optional" || term.type === "multiple" || term.type === "sequence";
}
