/**
 * The grammars of values that reach the cluster, in one place: DNS-1123
 * labels (user, app, namespace, cluster names), DNS-1123 subdomains (hosts),
 * OCI image repositories and tags. Each has a pattern (for zod and the JSON
 * Schema of platform.yaml), a `...Problem` function saying why a value is not
 * one (undefined when it is), and an `assert...` that throws a usage error
 * (exit 2) with a hint. Pure: nothing here reads files or the network.
 */
import { usageError } from "./errors.ts";

/** A DNS-1123 label: lower-case letters, digits and '-', alphanumeric at both ends, 1 to 63 characters. */
export const DNS_LABEL_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Longest DNS-1123 label. */
export const DNS_LABEL_MAX = 63;

/** A DNS-1123 subdomain: DNS-1123 labels joined by '.' (each at most 63, at most 253 in all). */
export const HOST_PATTERN =
  /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
/** Longest DNS-1123 subdomain. */
export const HOST_MAX = 253;

const DOMAIN_COMPONENT = "[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?";
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
/**
 * An image repository as the OCI distribution reference grammar has it,
 * without tag or digest: `[registry[:port]/]path`, the path of lower-case
 * components separated by '/', each alphanumeric runs joined by '.', '_',
 * '__' or dashes.
 */
export const IMAGE_PATTERN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?/)?` +
    `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`,
);
/** Longest image repository name. */
export const IMAGE_MAX = 255;

/** An image tag: a word character first, then up to 127 of word characters, '.' and '-'. */
export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const DOMAIN_COMPONENT_RE = new RegExp(`^${DOMAIN_COMPONENT}$`);
const PATH_COMPONENT_RE = new RegExp(`^${PATH_COMPONENT}$`);

/** The characters of `value` outside `allowed`, quoted once each, for messages. */
function outside(value: string, allowed: RegExp): string {
  const bad = [...new Set([...value].filter((char) => !allowed.test(char)))];
  return bad.map((char) => JSON.stringify(char)).join(", ");
}

/**
 * Why `value` is not a DNS-1123 label, or undefined when it is one.
 * Kubernetes uses this rule for namespaces and label-safe names.
 */
export function dnsLabelProblem(value: string): string | undefined {
  if (value.length === 0) return "it is empty";
  if (value.length > DNS_LABEL_MAX) {
    return `it has ${value.length} characters; at most ${DNS_LABEL_MAX} are allowed`;
  }
  if (/[A-Z]/.test(value)) return "it has capital letters";
  if (value.includes(".")) return "it has dots";
  if (value.includes("_")) return "it has underscores";
  if (!DNS_LABEL_PATTERN.test(value)) {
    return "it must be lower-case letters, digits and '-', starting and ending with a letter or digit";
  }
  return undefined;
}

/** Why `value` is not a host name (a DNS-1123 subdomain), or undefined when it is one. */
export function hostProblem(value: string): string | undefined {
  if (value.length === 0) return "it is empty";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return "it has a scheme (like http://)";
  if (value.length > HOST_MAX) {
    return `it has ${value.length} characters; at most ${HOST_MAX} are allowed`;
  }
  const bad = outside(value, /[A-Za-z0-9.-]/);
  if (bad) return `it has characters a host name cannot have: ${bad}`;
  if (/[A-Z]/.test(value)) return "it has capital letters";
  const labels = value.split(".");
  for (const label of labels) {
    if (label.length === 0) return "it has an empty label (a leading, trailing or doubled '.')";
    if (label.length > DNS_LABEL_MAX) {
      return `its label ${
        JSON.stringify(label)
      } has ${label.length} characters; at most ${DNS_LABEL_MAX} are allowed`;
    }
    if (!DNS_LABEL_PATTERN.test(label)) {
      return `its label ${JSON.stringify(label)} starts or ends with '-'`;
    }
  }
  return undefined;
}

/**
 * Why `value` is not an image repository (`[registry[:port]/]path`, no tag,
 * no digest), or undefined when it is one.
 */
export function imageProblem(value: string): string | undefined {
  if (value.length === 0) return "it is empty";
  if (value.length > IMAGE_MAX) {
    return `it has ${value.length} characters; at most ${IMAGE_MAX} are allowed`;
  }
  const bad = outside(value, /[A-Za-z0-9._:\/-]/);
  if (bad) return `it has characters an image name cannot have: ${bad}`;
  const parts = value.split("/");
  const first = parts[0];
  // As docker reads a name: the first part is a registry when it has '.', ':', capitals or is localhost.
  const registry = parts.length > 1 &&
    (/[.:A-Z]/.test(first) || first === "localhost");
  const path = registry ? parts.slice(1) : parts;
  if (registry) {
    const [host, port, ...more] = first.split(":");
    if (more.length || (port !== undefined && !/^[0-9]+$/.test(port))) {
      return `its registry ${JSON.stringify(first)} must be host[:port], the port digits only`;
    }
    if (!host.split(".").every((component) => DOMAIN_COMPONENT_RE.test(component))) {
      return `its registry ${
        JSON.stringify(first)
      } is not a host name (letters, digits and '-' between dots)`;
    }
  }
  const last = path[path.length - 1];
  if (last.includes(":")) {
    return `it ends in a tag (${
      JSON.stringify(last.slice(last.indexOf(":")))
    }), which goes in --tag`;
  }
  for (const component of path) {
    if (component.length === 0) {
      return "it has an empty path component (a leading, trailing or doubled '/')";
    }
    if (/[A-Z]/.test(component)) {
      return `its path component ${JSON.stringify(component)} has capital letters`;
    }
    if (!PATH_COMPONENT_RE.test(component)) {
      return `its path component ${
        JSON.stringify(component)
      } must be lower-case letters and digits joined by '.', '_', '__' or '-'`;
    }
  }
  return undefined;
}

/** Why `value` is not an image tag, or undefined when it is one. */
export function tagProblem(value: string): string | undefined {
  if (value.length === 0) return "it is empty";
  if (/^sha256:/.test(value)) return "it is a digest, not a tag";
  if (value.length > 128) return `it has ${value.length} characters; at most 128 are allowed`;
  const bad = outside(value, /[A-Za-z0-9_.-]/);
  if (bad) return `it has characters a tag cannot have: ${bad}`;
  if (!TAG_PATTERN.test(value)) return "it starts with '.' or '-'";
  return undefined;
}

/** `a` or `an`, and the word; by sound, so "a user" but "an app". */
function article(what: string): string {
  return `${/^(?:[aeio]|u(?![sr]))/i.test(what) ? "an" : "a"} ${what}`;
}

/** The grammars by name, with the hint shown under a refused value. */
const GRAMMARS = {
  "dns-label": {
    problem: dnsLabelProblem,
    rule: (what: string) =>
      `${
        article(what)
      } must be a DNS-1123 label (lower-case letters, digits and '-', 1 to 63 characters)`,
  },
  host: {
    problem: hostProblem,
    rule: (what: string) =>
      `${article(what)} must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', ` +
      "labels of 1 to 63 characters, at most 253 in all, for example 127.0.0.1.nip.io",
  },
  image: {
    problem: imageProblem,
    rule: (what: string) =>
      `${article(what)} is a repository without tag: [registry[:port]/]path, lower-case path ` +
      "components joined by '/', for example ghcr.io/vfarcic/idp-full-demo (the tag goes in --tag)",
  },
  tag: {
    problem: tagProblem,
    rule: (what: string) =>
      `${
        article(what)
      } is 1 to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-', ` +
      "for example 0.0.5",
  },
} as const;

/** A grammar of {@link GRAMMARS}. */
export type Grammar = keyof typeof GRAMMARS;

/** Why `value` does not follow `grammar`, or undefined when it does. */
export function problemOf(grammar: Grammar, value: string): string | undefined {
  return GRAMMARS[grammar].problem(value);
}

/** The hint for a value refused by `grammar`: the rule, and a fixed value when one is obvious. */
export function ruleOf(grammar: Grammar, what: string, value?: string): string {
  const rule = GRAMMARS[grammar].rule(what);
  if (value === undefined) return rule;
  const suggestion = suggest(grammar, value);
  return suggestion ? `${rule}, for example ${JSON.stringify(suggestion)}` : rule;
}

function suggest(grammar: Grammar, value: string): string | undefined {
  const candidate = grammar === "dns-label"
    ? value.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63)
    : grammar === "host"
    ? value.toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, "").replace(/\/+$/, "")
    : grammar === "image"
    ? value.replace(/@.*$/, "").replace(/:[^:/]*$/, "").toLowerCase()
    : undefined;
  return candidate && candidate !== value && !problemOf(grammar, candidate) ? candidate : undefined;
}

/**
 * Throws a usage error (exit 2) unless `value` follows `grammar`. `what`
 * names the value in the message ("ingress host"), `source` where it came
 * from ("INGRESS_HOST in .env").
 */
export function assertValid(
  grammar: Grammar,
  what: string,
  value: string,
  source?: string,
): string {
  const problem = problemOf(grammar, value);
  if (problem) {
    throw usageError(
      `invalid ${what} ${JSON.stringify(value)}${source ? ` (from ${source})` : ""}: ${problem}`,
      ruleOf(grammar, what, value),
    );
  }
  return value;
}

/** Throws a usage error (exit 2) unless `value` is a DNS-1123 label. */
export function assertDnsLabel(what: string, value: string): string {
  return assertValid("dns-label", what, value);
}
