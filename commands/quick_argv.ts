/**
 * Reads the everyday command lines of the verbs that reach the cluster
 * without loading the parser: optique and the parser tree cost some 25 ms
 * of every run, a third of `platform status dev` (kubectl answers in 45).
 *
 * It reads only what it is sure of: the verb's words first, then its
 * arguments and options (`-o json`, `-ojson`, `--output=json`), each
 * option once, every value valid. Anything else (help, a typo, a repeated
 * option, `--`, a value that starts with `-`, an option it does not know,
 * an invalid value, options before the verb) returns undefined, and the
 * parser reads the line and explains what is wrong. So this reader never
 * decides an error, and what it returns is what the parser returns for the
 * same line: tests/unit/quick_argv_test.ts compares the two on every
 * option of every verb here, valid and invalid.
 *
 * @module
 */
import { parseDuration } from "../lib/duration.ts";
import { OUTPUT_FORMATS } from "../lib/output_formats.ts";
import { type Grammar, problemOf } from "../lib/validate.ts";
import type { Parsed } from "./cli.ts";

/** Reads one value; undefined when the parser would refuse it (or might). */
type Read = (text: string) => unknown;

const anyText: Read = (text) => text;
const oneOf = (choices: readonly string[]): Read => (text) =>
  choices.includes(text) ? text : undefined;
const grammar = (name: Grammar): Read => (text) =>
  problemOf(name, text) === undefined ? text : undefined;
const duration: Read = (text) => {
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
};
const port: Read = (text) => {
  if (!/^[1-9][0-9]{0,4}$/.test(text)) return undefined;
  const value = Number(text);
  return value <= 65535 ? value : undefined;
};

/** An option: the key of its parsed value, its names, how to read its value (none: a flag). */
export interface QuickOption {
  key: string;
  names: readonly string[];
  metavar?: string;
  read?: Read;
  /** What the parser gives when it is not typed (withDefault); else false for a flag, undefined. */
  fallback?: unknown;
}

/** An argument: the key of its parsed value and its metavar. */
export interface QuickArgument {
  key: string;
  metavar: string;
}

/** A verb the reader knows: its words, the constant it parses to, its arguments and options. */
export interface QuickVerb {
  words: readonly string[];
  verb: Parsed["verb"];
  args: readonly QuickArgument[];
  options: readonly QuickOption[];
  /** Keys of the options left to the parser (undefined when not given). */
  unread?: readonly string[];
}

const value = (
  key: string,
  names: string[],
  metavar: string,
  read: Read,
  fallback?: unknown,
): QuickOption => ({ key, names, metavar, read, fallback });
const flag = (key: string, ...names: string[]): QuickOption => ({ key, names });

const COMMON: QuickOption[] = [
  value("output", ["-o", "--output"], "FORMAT", oneOf(OUTPUT_FORMATS), "auto"),
  value("kubeconfig", ["--kubeconfig"], "FILE", anyText),
  value("context", ["--context"], "CONTEXT", anyText),
  value("config", ["--config"], "FILE", anyText),
  flag("verbose", "-v", "--verbose"),
];

const ENVIRONMENT: QuickOption[] = [
  value("app", ["--app"], "NAME", anyText),
  value("namespace", ["-n", "--namespace"], "NAMESPACE", anyText),
  value("template", ["--template"], "NAME|FILE", anyText),
  value("image", ["--image"], "IMAGE", grammar("image")),
  value("tag", ["--tag"], "TAG", grammar("tag")),
  value("port", ["--port"], "PORT", port),
  value("ingressHost", ["--ingress-host"], "HOST", grammar("host")),
  value("ingressClassName", ["--ingress-class"], "INGRESS_CLASS", anyText),
  value("timeout", ["--timeout"], "DURATION", duration),
];

const NAMESPACE = value("namespace", ["-n", "--namespace"], "NAMESPACE", anyText);
const ALL_NAMESPACES = flag("allNamespaces", "-A", "--all-namespaces");
const USER: QuickArgument = { key: "user", metavar: "USER" };

/**
 * The verbs read here: those measured against kubectl. `--driver` is left
 * to the parser, whose choices come from the session drivers' registry,
 * which loads every driver.
 */
export const QUICK_VERBS: readonly QuickVerb[] = [
  {
    words: ["status", "dev"],
    verb: "status-dev",
    args: [USER],
    options: [...ENVIRONMENT, ...COMMON],
  },
  {
    words: ["list", "dev"],
    verb: "list-dev",
    args: [],
    options: [
      value("user", ["--user"], "USER", anyText),
      NAMESPACE,
      ALL_NAMESPACES,
      value("selector", ["-l", "--selector"], "SELECTOR", anyText),
      ...COMMON,
    ],
  },
  {
    words: ["apply", "dev"],
    verb: "apply-dev",
    args: [USER],
    options: [
      value("db", ["--db"], "SECRET", anyText),
      flag("dryRun", "--dry-run"),
      flag("noWait", "--no-wait"),
      flag("noSession", "--no-session"),
      flag("session", "--session"),
      flag("takeover", "--takeover"),
      flag("adopt", "--adopt"),
      ...ENVIRONMENT,
      ...COMMON,
    ],
    unread: ["driver"],
  },
  {
    words: ["uninstall", "dev"],
    verb: "uninstall-dev",
    args: [USER],
    options: [
      flag("keepNamespace", "--keep-namespace"),
      flag("noWait", "--no-wait"),
      value("db", ["--db"], "SECRET", anyText),
      ...ENVIRONMENT,
      ...COMMON,
    ],
  },
  {
    words: ["get", "resources"],
    verb: "get-resources",
    args: [{ key: "type", metavar: "TYPE" }],
    options: [NAMESPACE, ALL_NAMESPACES, ...COMMON],
  },
  { words: ["get", "resource-types"], verb: "get-resource-types", args: [], options: COMMON },
  {
    words: ["describe", "resource"],
    verb: "describe-resource",
    args: [{ key: "type", metavar: "TYPE" }, { key: "name", metavar: "NAME" }],
    options: [NAMESPACE, ...COMMON],
  },
];

/** What the parser gives an option not typed. */
function unset(option: QuickOption): unknown {
  return option.read ? option.fallback : false;
}

/** The parsed command line of `argv`, or undefined when the parser must read it. */
export function readQuickly(argv: readonly string[]): Parsed | undefined {
  const verb = QUICK_VERBS.find((candidate) =>
    candidate.words.every((word, index) => argv[index] === word)
  );
  if (!verb) return undefined;
  const parsed: Record<string, unknown> = { verb: verb.verb };
  for (const option of verb.options) parsed[option.key] = unset(option);
  for (const key of verb.unread ?? []) parsed[key] = undefined;
  const seen = new Set<string>();
  let argument = 0;
  for (let index = verb.words.length; index < argv.length; index++) {
    const word = argv[index];
    if (!word.startsWith("-")) {
      const expected = verb.args[argument++];
      if (!expected || word === "") return undefined;
      parsed[expected.key] = word;
      continue;
    }
    // --name=value, -xvalue, -x=value, or the name alone.
    const long = word.startsWith("--") ? /^(--[^=]+)(?:=(.*))?$/.exec(word) : undefined;
    const short = word.startsWith("--") ? undefined : /^(-[A-Za-z])(?:=?(.+))?$/.exec(word);
    const [, name, attached] = long ?? short ?? [];
    const option = name === undefined
      ? undefined
      : verb.options.find((candidate) => candidate.names.includes(name));
    if (!option || seen.has(option.key)) return undefined;
    seen.add(option.key);
    if (!option.read) {
      if (attached !== undefined) return undefined;
      parsed[option.key] = true;
      continue;
    }
    const text = attached ?? argv[++index];
    if (text === undefined || text === "" || text.startsWith("-")) return undefined;
    const read = option.read(text);
    if (read === undefined) return undefined;
    parsed[option.key] = read;
  }
  if (argument !== verb.args.length) return undefined;
  return parsed as Parsed;
}
