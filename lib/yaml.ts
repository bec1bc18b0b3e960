/**
 * YAML in and out. Kubernetes reads YAML 1.1, where `on`, `yes`, `no` and
 * `12:30` mean something else than in YAML 1.2, so everything written for
 * the cluster or for people is emitted as YAML 1.1.
 */
import { parseAllDocuments, stringify } from "yaml";
import { PlatformError } from "./errors.ts";

/** Serialises one value as a YAML 1.1 document. */
export function toYaml(value: unknown): string {
  return stringify(value, { version: "1.1", lineWidth: 0, aliasDuplicateObjects: false });
}

/** Serialises values as a multi-document YAML stream (`---` between). */
export function toYamlStream(values: unknown[]): string {
  return values.map((value) => toYaml(value)).join("---\n");
}

/**
 * Parses every document of a YAML stream. `source` names the text in the
 * error (usually a file path); empty documents are dropped.
 */
export function parseYamlStream(text: string, source: string): unknown[] {
  const documents = parseAllDocuments(text, { version: "1.1" });
  const list = Array.isArray(documents) ? documents : [documents];
  const values: unknown[] = [];
  for (const document of list) {
    const error = document.errors[0];
    if (error) {
      const [line, column] = error.linePos?.[0]
        ? [error.linePos[0].line, error.linePos[0].col]
        : [undefined, undefined];
      const where = line ? `${source}:${line}:${column}` : source;
      throw new PlatformError(`${where}: not valid YAML: ${error.message.split("\n")[0]}`, {
        hint: "fix the YAML syntax at that position (a YAML linter or `yq . FILE` shows it too)",
      });
    }
    const value = document.toJS();
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

/** Parses a single-document YAML text; see {@link parseYamlStream}. */
export function parseYaml(text: string, source: string): unknown {
  const values = parseYamlStream(text, source);
  if (values.length > 1) {
    throw new PlatformError(`${source}: expected one YAML document, found ${values.length}`, {
      hint: "keep one document in this file, or split it",
    });
  }
  return values[0];
}
