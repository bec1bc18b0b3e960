/**
 * Every command returns records; this turns them into what the caller
 * asked for: a table for a person, JSON or YAML for scripts. The JSON
 * shape is the record itself, so it stays stable when the table changes.
 */
import { usageError } from "./errors.ts";
import { toYaml, toYamlStream } from "./yaml.ts";

import { OUTPUT_FORMATS, type OutputFormat } from "./output_formats.ts";

export { OUTPUT_FORMATS, type OutputFormat };

/** What a command hands to the formatter. */
export type Output =
  | { kind: "table"; records: Record<string, unknown>[]; columns?: string[]; empty?: string }
  | {
    kind: "record";
    record: Record<string, unknown>;
    /** What the table view shows instead of `record` (JSON and YAML always print `record`). */
    view?: Record<string, unknown>;
    hide?: string[];
  }
  | { kind: "documents"; documents: unknown[] }
  | { kind: "text"; text: string; value?: unknown };

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

/** Renders an output in a concrete format; the result ends with a newline. */
export function render(output: Output, format: Exclude<OutputFormat, "auto">): string {
  const value = valueOf(output);
  if (format === "json") return JSON.stringify(value, null, 2) + "\n";
  if (format === "yaml") {
    return output.kind === "documents" ? toYamlStream(output.documents) : toYaml(value);
  }
  switch (output.kind) {
    case "table":
      return output.records.length === 0 && output.empty
        ? `${output.empty}\n`
        : table(output.records, output.columns);
    case "record":
      return verticalRecord(output.view ?? output.record, output.hide ?? []);
    case "documents":
      return toYamlStream(output.documents);
    case "text":
      return output.text.endsWith("\n") ? output.text : output.text + "\n";
  }
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

/** A compact one-cell rendering of any value. */
export function cell(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value)) return value.map(cell).join(",");
  if (typeof value === "object") {
    return Object.entries(value as Record<string, unknown>).map(([key, item]) =>
      `${key}=${cell(item)}`
    ).join(",");
  }
  return String(value);
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
  return key.replace(/([a-z])([A-Z])/g, "$1 $2").toUpperCase();
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
      lines.push(`${key}:`);
      lines.push(
        ...table(value as Record<string, unknown>[]).trimEnd().split("\n").map((line) =>
          `  ${line}`
        ),
      );
    } else if (typeof value === "string" && value.includes("\n")) {
      lines.push(`${key}:`);
      lines.push(...value.trimEnd().split("\n").map((line) => `  ${line}`));
    } else {
      lines.push(`${(key + ":").padEnd(width)} ${cell(value)}`);
    }
  }
  return lines.join("\n") + "\n";
}
