/**
 * Parses a kubeconfig's text. Every verb that reaches the cluster reads
 * one, so this sits on the start-up path: js-yaml (one module, ~9 ms to
 * load) instead of the `yaml` library the rest of platform uses (~50 ms,
 * measured). Both read YAML 1.1, as kubectl's Go parser does, so
 * `insecure-skip-tls-verify: yes` means what it means to kubectl.
 */
import { load, YAML11_SCHEMA, YAMLException } from "js-yaml";
import { PlatformError } from "../errors.ts";

/** The document of a kubeconfig file; `path` names it in the error. */
export function parseKubeconfigText(text: string, path: string): unknown {
  try {
    return load(text, { schema: YAML11_SCHEMA, filename: path });
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    const mark = error.mark;
    const where = mark ? `${path}:${mark.line + 1}:${mark.column + 1}` : path;
    throw new PlatformError(`${where}: not valid YAML: ${error.reason}`, {
      hint: "fix the YAML syntax at that position (a YAML linter or `yq . FILE` shows it too)",
    });
  }
}
