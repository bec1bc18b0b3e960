/**
 * The command tree: every verb path with its subcommands, options and
 * positional arguments, and how a shell completes each value. It is derived
 * from the option parsers (commands/surface.ts), so completion scripts,
 * argument normalization and did-you-mean all read the same declarations.
 */

/** Sources of values only the kubeconfig or the cluster knows; `platform __complete <source>`. */
export const DYNAMIC_SOURCES = ["contexts", "namespaces", "users", "resource-types"] as const;
/** One of {@link DYNAMIC_SOURCES}. */
export type DynamicSource = typeof DYNAMIC_SOURCES[number];

/** How a shell completes one value. */
export interface Completer {
  /** Fixed values, answered by the script itself. */
  values?: readonly string[];
  /** File names, answered by the shell. */
  files?: boolean;
  /** Values from the kubeconfig or the cluster, through `platform __complete`. */
  dynamic?: DynamicSource;
}

/** One option of a command. */
export interface OptionNode {
  /** Every spelling: `-o`, `--output`. */
  names: string[];
  /** Set when the option takes a value. */
  metavar?: string;
  description: string;
  completer: Completer;
}

/** One positional argument. */
export interface ArgumentNode {
  metavar: string;
  description: string;
  completer: Completer;
}

/** A command path: the root (`platform`), an intermediate verb (`apply`), or a leaf (`apply dev`). */
export interface CommandNode {
  name: string;
  /** Words from the root: [] for the root, ["apply", "dev"] for a leaf. */
  path: string[];
  description: string;
  children: CommandNode[];
  options: OptionNode[];
  args: ArgumentNode[];
}

/** The node at `path`, or undefined. */
export function nodeAt(root: CommandNode, path: readonly string[]): CommandNode | undefined {
  let node: CommandNode | undefined = root;
  for (const word of path) {
    node = node?.children.find((child) => child.name === word);
  }
  return node;
}

/** Every node, depth first, the root first. */
export function allNodes(root: CommandNode): CommandNode[] {
  return [root, ...root.children.flatMap(allNodes)];
}

/** The option of `node` spelled `name` (`-o`, `--output`), if any. */
export function optionOf(node: CommandNode, name: string): OptionNode | undefined {
  return node.options.find((option) => option.names.includes(name));
}

/** Options that take a value, spelled any way, anywhere in the tree. */
function valueOptionNames(root: CommandNode): Set<string> {
  return new Set(
    allNodes(root).flatMap((node) =>
      node.options.filter((option) => option.metavar).flatMap((option) => option.names)
    ),
  );
}

/** Where a command line leads in the tree. */
export interface Resolved {
  node: CommandNode;
  /** The verb words found, in order. */
  path: string[];
  /** A word in command position that names no subcommand (a typo), if any. */
  unknown?: string;
}

/**
 * Follows the verb words of `args` (options and their values are skipped
 * while the node still has subcommands).
 */
export function resolveCommand(root: CommandNode, args: readonly string[]): Resolved {
  const takesValue = valueOptionNames(root);
  let node = root;
  const path: string[] = [];
  for (let index = 0; index < args.length && node.children.length; index++) {
    const word = args[index];
    if (word === "--") break;
    if (word.startsWith("-")) {
      if (takesValue.has(word)) index++;
      continue;
    }
    const child = node.children.find((candidate) => candidate.name === word);
    if (!child) return { node, path, unknown: word };
    node = child;
    path.push(word);
  }
  return { node, path };
}

/**
 * Rewrites kubectl habits into what the parser reads, without changing
 * meaning: `-ojson` and `-o=json` become `-o json`, and options given
 * before the verb (`platform -o json list dev`) move after it. Words after
 * `--` are left alone.
 */
export function normalizeArgs(root: CommandNode, args: readonly string[]): string[] {
  const takesValue = valueOptionNames(root);
  const split: string[] = [];
  let afterDashes = false;
  for (let index = 0; index < args.length; index++) {
    const word = args[index];
    if (afterDashes || word === "--") {
      afterDashes = true;
      split.push(word);
      continue;
    }
    const short = /^(-[A-Za-z])=?(.+)$/.exec(word);
    if (short && !word.startsWith("--") && takesValue.has(short[1])) {
      split.push(short[1], short[2]);
    } else if (takesValue.has(word) && index + 1 < args.length) {
      // The value is the next word whatever it looks like (`--template -x.yaml`).
      split.push(word, args[++index]);
    } else {
      split.push(word);
    }
  }
  // Options before the verb words: moved behind them when they are options of the leaf.
  let node = root;
  const path: string[] = [];
  const moved: string[] = [];
  let index = 0;
  while (index < split.length && node.children.length) {
    const word = split[index];
    if (word === "--") break;
    if (word.startsWith("-")) {
      const name = word.startsWith("--") ? word.split("=")[0] : word;
      const count = takesValue.has(name) && !word.includes("=") ? 2 : 1;
      moved.push(...split.slice(index, index + count));
      index += count;
      continue;
    }
    const child = node.children.find((candidate) => candidate.name === word);
    if (!child) return split;
    node = child;
    path.push(word);
    index++;
  }
  if (!moved.length) return split;
  // Only when the leaf takes every moved option (else the parser's own error is clearer).
  for (const word of moved) {
    if (!word.startsWith("-")) continue;
    const name = word.startsWith("--") ? word.split("=")[0] : word;
    if (!optionOf(node, name) && !["-h", "--help"].includes(name)) return split;
  }
  return [...path, ...moved, ...split.slice(index)];
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps). */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
      }
    }
  }
  return rows[a.length][b.length];
}

/** The candidates closest to `word` (a prefix, or at most 2 edits away), best first. */
export function closest(word: string, candidates: readonly string[]): string[] {
  const scored = candidates.map((candidate) => ({
    candidate,
    score: candidate.startsWith(word) && word.length >= 2
      ? 0
      : editDistance(word.toLowerCase(), candidate),
  }));
  const limit = word.length <= 3 ? 1 : 2;
  return scored.filter(({ score }) => score <= limit)
    .sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate))
    .map(({ candidate }) => candidate);
}
