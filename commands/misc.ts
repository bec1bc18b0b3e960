/** `platform version` and `platform config schema`. */
import { command, constant, type InferValue, merge, message, object } from "./optique.ts";
import type { Output } from "../lib/output.ts";
import { versionInfo } from "../lib/version.ts";
import type { CommandContext } from "./context.ts";
import { examples } from "./examples.ts";
import { commonOptions } from "./options.ts";
import { settingsFrom } from "./flags.ts";
import { lazy } from "../lib/lazy.ts";

/** Parser of `version`. */
export const versionCommand = command(
  "version",
  merge(object({ verb: constant("version" as const) }), commonOptions),
  {
    description:
      message`Show the version of platform, its runtime and (when reachable within 2 s) the cluster`,
    footer: examples(
      ["platform version"],
      ["platform version --context prod -o json", "the server of another context"],
    ),
  },
);

/** Runs `version`: local versions, then the server's when a kubeconfig points at one. */
export async function runVersion(
  parsed: InferValue<typeof versionCommand>,
  context: CommandContext,
): Promise<Output> {
  const { serverVersion } = await lazy<typeof import("../lib/version.ts")>(
    "../lib/version.ts",
    import.meta.url,
  );
  const server = await serverVersion({
    ...settingsFrom(parsed, context),
  });
  return { kind: "record", record: { ...versionInfo(), ...server } };
}

/** Parser of `config schema`. */
export const configSchemaCommand = command(
  "schema",
  merge(object({ verb: constant("config-schema" as const) }), commonOptions),
  {
    description: message`Print the JSON Schema of platform.yaml (point your editor at it)`,
    footer: examples(["platform config schema > platform.schema.json"]),
  },
);

/** Runs `config schema`: JSON unless YAML is asked for. */
export async function runConfigSchema(): Promise<Output> {
  const { platformYamlJsonSchema } = await lazy<typeof import("../lib/settings_schema.ts")>(
    "../lib/settings_schema.ts",
    import.meta.url,
  );
  const schema = platformYamlJsonSchema();
  return { kind: "text", text: JSON.stringify(schema, null, 2), value: schema };
}
