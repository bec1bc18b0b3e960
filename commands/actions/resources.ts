/** Runs `platform get resource-types | resources` and `platform describe resource`. */
import type { Output } from "../../lib/output.ts";
import type { CommandContext } from "../context.ts";
import { settingsFrom } from "../flags.ts";
import type { InferValue } from "../optique.ts";
import type {
  describeResourceCommand,
  getResourcesCommand,
  getResourceTypesCommand,
} from "../resources.ts";
import { lazy } from "../../lib/lazy.ts";

const library = () =>
  lazy<typeof import("../../lib/resources.ts")>("../../lib/resources.ts", import.meta.url);

/** Runs `get resource-types`. */
export async function runGetResourceTypes(
  parsed: InferValue<typeof getResourceTypesCommand>,
  context: CommandContext,
): Promise<Output> {
  const { getResourceTypes } = await library();
  const rows = await getResourceTypes({
    ...settingsFrom(parsed, context),
  });
  return {
    kind: "table",
    records: rows.map((row) => ({ ...row })),
    empty:
      "the cluster serves none of the platform's resource types (platform setup installs them)",
  };
}

/** Runs `get resources`. */
export async function runGetResources(
  parsed: InferValue<typeof getResourcesCommand>,
  context: CommandContext,
): Promise<Output> {
  const { getResources } = await library();
  const rows = await getResources(parsed.type, {
    namespace: parsed.namespace,
    allNamespaces: parsed.allNamespaces,
    ...settingsFrom(parsed, context),
  });
  return {
    kind: "table",
    records: rows.map((row) => ({ ...row })),
    empty: `no ${parsed.type} found`,
  };
}

/** Runs `describe resource`. */
export async function runDescribeResource(
  parsed: InferValue<typeof describeResourceCommand>,
  context: CommandContext,
): Promise<Output> {
  const { describeResource, treeLines } = await library();
  const description = await describeResource(parsed.type, parsed.name, {
    namespace: parsed.namespace,
    ...settingsFrom(parsed, context),
  });
  // The table view shows the tree as indented lines; JSON and YAML keep the nested records.
  const { object: _object, tree, ...rest } = description;
  return {
    kind: "record",
    record: { ...description },
    view: { ...rest, tree: treeLines(tree).join("\n") },
  };
}
