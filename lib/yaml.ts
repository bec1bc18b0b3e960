/**
 * YAML in and out, on js-yaml: one module that loads in some 7 ms, where
 * the `yaml` library took 45 ms of every run that printed `-o yaml` or read
 * a platform.yaml (measured with Deno 2.9). Kubernetes reads YAML 1.1, where
 * `on`, `yes`, `no` and `12:30` mean something else than in YAML 1.2: text
 * is read as YAML 1.1, and written so that YAML 1.1 and 1.2 readers alike
 * get the same values back (strings that either would take for a boolean, a
 * number or null are quoted).
 */
import { dump, load, loadAll, YAML11_SCHEMA, YAMLException } from "js-yaml";
import { PlatformError } from "./errors.ts";

/**
 * Serialises one value as a YAML document. Keys whose value is undefined
 * are left out, as JSON.stringify leaves them; shared objects are written
 * out in full, never as anchors and aliases.
 */
export function toYaml(value: unknown): string {
  return dump(value, { lineWidth: -1, noRefs: true, skipInvalid: true, quoteStyle: "double" });
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
  const values = readOrExplain(
    () => loadAll(text, { schema: YAML11_SCHEMA, filename: source }),
    source,
  );
  return values.filter((value) => value !== null && value !== undefined);
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

/**
 * The only document of a text that is known to hold one (a kubeconfig):
 * `load` alone, which refuses a second document; `source` names the text in
 * the error.
 */
export function parseYamlDocument(text: string, source: string): unknown {
  return readOrExplain(() => load(text, { schema: YAML11_SCHEMA, filename: source }), source);
}

/** Runs a js-yaml read; a syntax error becomes `file:line:column: not valid YAML: why`. */
function readOrExplain<T>(read: () => T, source: string): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    const mark = error.mark;
    const where = mark ? `${source}:${mark.line + 1}:${mark.column + 1}` : source;
    throw new PlatformError(`${where}: not valid YAML: ${error.reason}`, {
      hint: "fix the YAML syntax at that position (a YAML linter or `yq . FILE` shows it too)",
    });
  }
}
