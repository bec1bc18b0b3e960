/**
 * Every command returns records; this turns them into what the caller
 * asked for: a table for a person, JSON or YAML for scripts. The JSON
 * shape is the record itself, so it stays stable when the table changes.
 */
import { usageError } from "./errors.ts";

import { OUTPUT_FORMATS, type OutputFormat } from "./output_formats.ts";
import { lazy } from "./lazy.ts";

export { OUTPUT_FORMATS, type OutputFormat };

/** What a command hands to the formatter. */
export type Output =
  | {
    kind: "table";
    records: Record<string, unknown>[];
    columns?: string[];
    empty?: string;
    /** The field `-o name` prints (default `name`). */
    nameKey?: string;
  }
  | {
    kind: "record";
    record: Record<string, unknown>;
    /** What the table view shows instead of `record` (JSON and YAML always print `record`). */
    view?: Record<string, unknown>;
    hide?: string[];
  }
  | { kind: "documents"; documents: unknown[] }
  | {
    kind: "text";
    text: string;
    value?: unknown;
    /** Printed as it is whatever the format (a script to evaluate). */
    raw?: boolean;
  };

/** Resolves auto to table or json. */
export function resolveFormat(
  format: OutputFormat,
  isTerminal: boolean,
): Exclude<OutputFormat, "auto"> {
  if (format === "auto") return isTerminal ? "table" : "json";
  if (!OUTPUT_FORMATS.includes(format)) {
    throw usageError(
      `unknown output format ${JSON.stringify(format)}`,
      `use one of ${OUTPUT_FORMATS.join(", ")}`,
    );
  }
  return format;
}

/**
 * Renders an output in a concrete format; the result ends with a newline.
 * Manifests render as what `kubectl apply -f -` reads: a `v1 List` in JSON,
 * a multi-document stream in YAML.
 */
export async function render(
  output: Output,
  format: Exclude<OutputFormat, "auto">,
): Promise<string> {
  // The YAML library costs ~50 ms to load: only output that is YAML pays for it.
  const yaml = () => lazy<typeof import("./yaml.ts")>("./yaml.ts", import.meta.url);
  if (output.kind === "text" && output.raw) return output.text;
  if (format === "name") return namesOf(output).map((name) => `${name}\n`).join("");
  const value = output.kind === "documents" && format === "json"
    ? { apiVersion: "v1", kind: "List", items: output.documents }
    : valueOf(output);
  if (format === "json") return JSON.stringify(value, null, 2) + "\n";
  if (format === "yaml") {
    const { toYaml, toYamlStream } = await yaml();
    return output.kind === "documents" ? toYamlStream(output.documents) : toYaml(value);
  }
  switch (output.kind) {
    case "table":
      return output.records.length === 0 && output.empty
        ? `${output.empty}\n`
        : table(output.records, format === "wide" ? undefined : output.columns);
    case "record":
      return verticalRecord(output.view ?? output.record, output.hide ?? []);
    case "documents":
      return (await yaml()).toYamlStream(output.documents);
    case "text":
      return output.text.endsWith("\n") ? output.text : output.text + "\n";
  }
}

/** What `-o name` prints: kubectl's `kind.group/name` for manifests, the name field of records. */
export function namesOf(output: Output): string[] {
  if (output.kind === "documents") {
    return output.documents.map((document) => {
      const { apiVersion = "", kind = "", metadata } = document as {
        apiVersion?: string;
        kind?: string;
        metadata?: { name?: string };
      };
      const group = apiVersion.includes("/") ? `.${apiVersion.split("/")[0]}` : "";
      return `${kind.toLowerCase()}${group}/${metadata?.name ?? ""}`;
    });
  }
  const key = output.kind === "table" ? output.nameKey ?? "name" : "name";
  const records = output.kind === "table"
    ? output.records
    : output.kind === "record"
    ? [output.record]
    : [];
  if (!records.length && output.kind === "table") return [];
  if (!records.every((record) => typeof record[key] === "string")) {
    throw usageError(
      "-o name: this command's records have no name",
      "use -o json, -o yaml or -o table",
    );
  }
  return records.map((record) => String(record[key]));
}

/** The structured value of an output (what json and yaml print). */
export function valueOf(output: Output): unknown {
  switch (output.kind) {
    case "table":
      return output.records;
    case "record":
      return output.record;
    case "documents":
      return output.documents;
    case "text":
      return output.value ?? output.text;
  }
}

// Terminal control sequences: CSI (ESC [ or 0x9b, parameters, intermediates, a final byte);
// OSC, DCS, SOS, PM and APC strings (ESC ] P X ^ _ or 0x9d 0x90 0x98 0x9e 0x9f) up to BEL or
// ST (ESC \ or 0x9c), or to the end when unterminated; any other ESC with its next byte(s).
const CONTROL_SEQUENCE = new RegExp(
  [
    "(?:\\x1b\\[|\\x9b)[\\x30-\\x3f]*[\\x20-\\x2f]*[\\x40-\\x7e]?",
    "(?:\\x1b[\\]PX^_]|[\\x90\\x98\\x9d\\x9e\\x9f])[^\\x07\\x1b\\x9c]*(?:\\x07|\\x1b\\\\|\\x9c)?",
    "\\x1b[\\x20-\\x2f]*[\\x30-\\x7e]?",
  ].join("|"),
  "g",
);
// C0 controls but tab, DEL and C1 controls, left over once the sequences are gone.
// deno-lint-ignore no-control-regex
const CONTROL_CHARACTER = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/**
 * Text from the cluster (names, event messages, annotations, lease holders)
 * made safe to print on a terminal: escape sequences (CSI, OSC, DCS, ...)
 * and C0/C1 control characters except tab are removed; line breaks become
 * spaces, so a cell stays on its line. JSON and YAML output keep the value.
 */
export function terminalSafe(text: string): string {
  return text
    .replace(CONTROL_SEQUENCE, "")
    .replace(/\r\n|[\r\n\v\f\x85]/g, " ")
    .replace(CONTROL_CHARACTER, "");
}

/** A compact one-cell rendering of any value, safe to print on a terminal. */
export function cell(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value)) return value.map(cell).join(",");
  if (typeof value === "object") {
    return Object.entries(value as Record<string, unknown>).map(([key, item]) =>
      `${terminalSafe(key)}=${cell(item)}`
    ).join(",");
  }
  return terminalSafe(String(value));
}

/** Aligned columns with an upper-case header, like kubectl get. */
export function table(records: Record<string, unknown>[], columns?: string[]): string {
  const keys = columns ?? [...new Set(records.flatMap((record) => Object.keys(record)))];
  const rows = [
    keys.map(headerOf),
    ...records.map((record) => keys.map((key) => cell(record[key]))),
  ];
  const widths = keys.map((_, index) => Math.max(...rows.map((row) => row[index].length)));
  return rows.map((row) =>
    row.map((text, index) => index === row.length - 1 ? text : text.padEnd(widths[index])).join(
      "   ",
    ).trimEnd()
  )
    .join("\n") + "\n";
}

function headerOf(key: string): string {
  return terminalSafe(key).replace(/([a-z])([A-Z])/g, "$1 $2").toUpperCase();
}

/** `key: value` lines; nested lists of records become indented tables. */
export function verticalRecord(record: Record<string, unknown>, hide: string[] = []): string {
  const entries = Object.entries(record).filter(([key]) => !hide.includes(key));
  const width = Math.max(...entries.map(([key]) => key.length)) + 1;
  const lines: string[] = [];
  for (const [key, value] of entries) {
    if (
      Array.isArray(value) && value.length &&
      value.every((item) => item && typeof item === "object")
    ) {
      lines.push(`${terminalSafe(key)}:`);
      lines.push(
        ...table(value as Record<string, unknown>[]).trimEnd().split("\n").map((line) =>
          `  ${line}`
        ),
      );
    } else if (typeof value === "string" && value.includes("\n")) {
      lines.push(`${terminalSafe(key)}:`);
      lines.push(...value.trimEnd().split("\n").map((line) => `  ${terminalSafe(line)}`));
    } else {
      lines.push(`${(terminalSafe(key) + ":").padEnd(width)} ${cell(value)}`);
    }
  }
  return lines.join("\n") + "\n";
}
