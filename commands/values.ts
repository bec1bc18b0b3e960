/**
 * The kinds of values the CLI takes, each declared once with its metavar,
 * its validation and how a shell completes it. Options and arguments use
 * these; the completion tree finds the completer by the metavar it sees in
 * the parsers' documentation, so help, parsing and completion agree.
 */
import { choice, message, type NonEmptyString, string, text, type ValueParser } from "./optique.ts";
import type { Completer } from "../lib/completion/tree.ts";
import { parseDuration } from "../lib/duration.ts";
import type { PlatformError } from "../lib/errors.ts";
import { type Grammar, problemOf, ruleOf } from "../lib/validate.ts";
import { OUTPUT_FORMATS } from "../lib/output_formats.ts";
import { COMPONENT_NAMES, INGRESS_CLASSES } from "../lib/setup/components.ts";
import { PROVIDER_NAMES } from "../providers/clusters/registry.ts";
import { DRIVER_NAMES } from "../providers/sessions/registry.ts";
import { TEMPLATE_CHOICES } from "../templates/registry.ts";

const completers = new Map<string, Completer>();

/** Records how values of `parser` complete; one metavar means one kind of value everywhere. */
function declare<P extends ValueParser<"sync", unknown>>(parser: P, completer: Completer): P {
  const known = completers.get(parser.metavar);
  if (known && JSON.stringify(known) !== JSON.stringify(completer)) {
    throw new Error(`metavar ${parser.metavar} is declared twice with different completions`);
  }
  completers.set(parser.metavar, completer);
  return parser;
}

/** How values shown as `metavar` complete (nothing for free text). */
export function completerOf(metavar: string): Completer {
  return completers.get(metavar) ?? {};
}

/** Shells the CLI writes completion and init scripts for. */
export const SHELLS = ["bash", "zsh", "fish", "nu"] as const;
/** One of {@link SHELLS}. */
export type Shell = typeof SHELLS[number];

/** A file path. */
export const fileValue = declare(string({ metavar: "FILE" }), { files: true });
/** A directory. */
export const dirValue = declare(string({ metavar: "DIR" }), { files: true });
/** A kubeconfig context. */
export const contextValue = declare(string({ metavar: "CONTEXT" }), { dynamic: "contexts" });
/** A namespace. */
export const namespaceValue = declare(string({ metavar: "NAMESPACE" }), {
  dynamic: "namespaces",
});
/** A developer's user name. */
export const userValue = declare(string({ metavar: "USER" }), { dynamic: "users" });
/** A resource type: plural, kind or short name. */
export const resourceTypeValue = declare(string({ metavar: "TYPE" }), {
  dynamic: "resource-types",
});
/** A label selector, as kubectl takes it. */
export const selectorValue = declare(string({ metavar: "SELECTOR" }), {});
/** An output format. */
export const formatValue = declare(choice(OUTPUT_FORMATS, { metavar: "FORMAT" }), {
  values: OUTPUT_FORMATS.filter((format) => format !== "auto"), // the default needs no typing
});
/** A session driver. */
export const driverValue = declare(choice(DRIVER_NAMES, { metavar: "DRIVER" }), {
  values: DRIVER_NAMES,
});
/** A cluster provider. */
export const providerValue = declare(choice(PROVIDER_NAMES, { metavar: "PROVIDER" }), {
  values: PROVIDER_NAMES,
});
/** An ingress class. */
export const ingressClassValue = declare(choice(INGRESS_CLASSES, { metavar: "CLASS" }), {
  values: INGRESS_CLASSES,
});
/** A comma-separated list of setup components. */
export const componentsValue = declare(string({ metavar: "COMPONENTS" }), {
  values: COMPONENT_NAMES,
});
/** An ingress class name: any, the ones setup installs suggested. */
export const ingressClassNameValue = declare(string({ metavar: "INGRESS_CLASS" }), {
  values: INGRESS_CLASSES,
});
/** A template name or a claim file. */
export const templateValue = declare(string({ metavar: "NAME|FILE" }), {
  values: TEMPLATE_CHOICES,
  files: true,
});
/** A shell. */
export const shellValue = declare(choice(SHELLS, { metavar: "SHELL" }), { values: SHELLS });

/** A duration (90, 90s, 5m, 1h) parsed into seconds. */
export const durationValue: ValueParser<"sync", number> = declare({
  mode: "sync",
  metavar: "DURATION",
  placeholder: 0,
  parse(input: string) {
    try {
      return { success: true, value: parseDuration(input) };
    } catch (error) {
      const { message: what, hint } = error as PlatformError;
      return { success: false, error: message`${text(hint ? `${what}; ${hint}` : what)}` };
    }
  },
  format: (seconds: number) => `${seconds}s`,
}, {});

/**
 * A value that must follow one of the grammars of lib/validate.ts; refused
 * while parsing (a usage error, exit 2), before anything runs.
 */
function grammarValue(
  metavar: NonEmptyString,
  grammar: Grammar,
  what: string,
): ValueParser<"sync", string> {
  const parser: ValueParser<"sync", string> = {
    mode: "sync",
    metavar,
    placeholder: "",
    parse(input: string) {
      const problem = problemOf(grammar, input);
      if (!problem) return { success: true, value: input };
      return {
        success: false,
        error: message`${
          text(
            `invalid ${what} ${JSON.stringify(input)}: ${problem}; ${ruleOf(grammar, what, input)}`,
          )
        }`,
      };
    },
    format: (value: string) => value,
  };
  return declare(parser, {});
}

/** An image repository, without tag: `[registry[:port]/]path`. */
export const imageValue = grammarValue("IMAGE", "image", "image");
/** An image tag. */
export const tagValue = grammarValue("TAG", "tag", "image tag");
/** A host name (DNS-1123 subdomain), the base of environments' hosts. */
export const hostValue = grammarValue("HOST", "host", "ingress host");
/** A cluster name (DNS-1123 label). */
export const clusterNameValue = grammarValue("CLUSTER", "dns-label", "cluster name");
