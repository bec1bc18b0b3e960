/** `platform version` and `platform config schema`. */
import { message } from "@optique/core/message";
import { merge, object } from "@optique/core/constructs";
import { command, constant } from "@optique/core/primitives";
import type { Output } from "../lib/output.ts";
import { versionInfo } from "../lib/version.ts";
import { commonOptions } from "./options.ts";

/** Parser of `version`. */
export const versionCommand = command(
  "version",
  merge(object({ verb: constant("version" as const) }), commonOptions),
  { description: message`Show the version of platform and its runtime` },
);

/** Runs `version`. */
export function runVersion(): Output {
  return { kind: "record", record: versionInfo() };
}

/** Parser of `config schema`. */
export const configSchemaCommand = command(
  "schema",
  merge(object({ verb: constant("config-schema" as const) }), commonOptions),
  { description: message`Print the JSON Schema of platform.yaml (point your editor at it)` },
);

/** Runs `config schema`: JSON unless YAML is asked for. */
export async function runConfigSchema(): Promise<Output> {
  const { platformYamlJsonSchema } = await import("../lib/settings.ts");
  const schema = platformYamlJsonSchema();
  return { kind: "text", text: JSON.stringify(schema, null, 2), value: schema };
}
