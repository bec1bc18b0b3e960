/** `platform get resource-types | resources` and `platform describe resource`. */
import {
  argument,
  command,
  constant,
  type InferValue,
  merge,
  message,
  object,
  string,
} from "./optique.ts";
import type { Output } from "../lib/output.ts";
import type { CommandContext } from "./context.ts";
import { examples } from "./examples.ts";
import { allNamespacesOption, commonOptions, flagsOf, namespaceFilter } from "./options.ts";
import { resourceTypeValue } from "./values.ts";
import { lazy } from "../lib/lazy.ts";

const namespaceOption = namespaceFilter("namespace (default: default)");

/** Parser of `get resource-types`. */
export const getResourceTypesCommand = command(
  "resource-types",
  merge(object({ verb: constant("get-resource-types" as const) }), commonOptions),
  {
    description:
      message`List the platform's own API kinds (the devopstoolkit.live group by default)`,
    footer: examples(["platform get resource-types"], ["platform get resource-types -o name"]),
  },
);

/** Parser of `get resources`. */
export const getResourcesCommand = command(
  "resources",
  merge(
    object({
      verb: constant("get-resources" as const),
      type: argument(resourceTypeValue, {
        description: message`resource type: plural, kind or short name`,
      }),
      namespace: namespaceOption,
      allNamespaces: allNamespacesOption,
    }),
    commonOptions,
  ),
  {
    description: message`List objects of one resource type`,
    footer: examples(
      ["platform get resources appclaims -A"],
      ["platform get resources appclaim -n alice -o yaml"],
    ),
  },
);

/** Parser of `describe resource`. */
export const describeResourceCommand = command(
  "resource",
  merge(
    object({
      verb: constant("describe-resource" as const),
      type: argument(resourceTypeValue, { description: message`resource type` }),
      name: argument(string({ metavar: "NAME" }), { description: message`object name` }),
      namespace: namespaceOption,
    }),
    commonOptions,
  ),
  {
    description:
      message`Show an object, its conditions and the tree of objects it owns or composes`,
    footer: examples(["platform describe resource appclaim silly-demo -n alice"]),
  },
);

/** Runs `get resource-types`. */
export async function runGetResourceTypes(
  parsed: InferValue<typeof getResourceTypesCommand>,
  context: CommandContext,
): Promise<Output> {
  const { getResourceTypes } = await lazy<typeof import("../lib/resources.ts")>(
    "../lib/resources.ts",
    import.meta.url,
  );
  const rows = await getResourceTypes({
    flags: flagsOf(parsed),
    env: context.env,
    cwd: context.cwd,
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
  const { getResources } = await lazy<typeof import("../lib/resources.ts")>(
    "../lib/resources.ts",
    import.meta.url,
  );
  const rows = await getResources(parsed.type, {
    namespace: parsed.namespace,
    allNamespaces: parsed.allNamespaces,
    flags: flagsOf(parsed),
    env: context.env,
    cwd: context.cwd,
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
  const { describeResource, treeLines } = await lazy<typeof import("../lib/resources.ts")>(
    "../lib/resources.ts",
    import.meta.url,
  );
  const description = await describeResource(parsed.type, parsed.name, {
    namespace: parsed.namespace,
    flags: flagsOf(parsed),
    env: context.env,
    cwd: context.cwd,
  });
  // The table view shows the tree as indented lines; JSON and YAML keep the nested records.
  const { object: _object, tree, ...rest } = description;
  return {
    kind: "record",
    record: { ...description },
    view: { ...rest, tree: treeLines(tree).join("\n") },
  };
}
