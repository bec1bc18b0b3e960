/**
 * The parsers of `platform get resource-types | resources` and
 * `platform describe resource` (run by actions/resources.ts).
 */
import { argument, command, constant, merge, message, object, string } from "./optique.ts";
import { examples } from "./examples.ts";
import { allNamespacesOption, commonOptions, namespaceFilter } from "./options.ts";
import { resourceTypeValue } from "./values.ts";

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
