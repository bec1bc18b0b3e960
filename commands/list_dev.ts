/**
 * The parsers of `platform list dev` and `platform status dev <user>`
 * (run by actions/list_dev.ts).
 */
import {
  argument,
  command,
  constant,
  merge,
  message,
  object,
  option,
  optional,
} from "./optique.ts";
import { examples } from "./examples.ts";
import {
  allNamespacesOption,
  commonOptions,
  environmentOptions,
  namespaceFilter,
} from "./options.ts";
import { selectorValue, userValue } from "./values.ts";

/** Parser of `list dev`. */
export const listDevCommand = command(
  "dev",
  merge(
    object({
      verb: constant("list-dev" as const),
      user: optional(
        option("--user", userValue, { description: message`only this user's` }),
      ),
      namespace: namespaceFilter("only this namespace (default: all of them)"),
      allNamespaces: allNamespacesOption,
      selector: optional(
        option("-l", "--selector", selectorValue, {
          description: message`only environments whose labels match (kubectl's label selector)`,
        }),
      ),
    }),
    commonOptions,
  ),
  {
    description: message`List every dev environment in the cluster`,
    footer: examples(
      ["platform list dev"],
      ["platform list dev -n alice -o wide"],
      ["platform list dev -l platform.dev/app=silly-demo -o name", "one user a line"],
      ["platform list dev -o json | jq -r '.[] | select(.ready | not) | .user'"],
    ),
  },
);

/** Parser of `status dev`. */
export const statusDevCommand = command(
  "dev",
  merge(
    object({
      verb: constant("status-dev" as const),
      user: argument(userValue, { description: message`user name` }),
    }),
    environmentOptions,
    commonOptions,
  ),
  {
    description:
      message`Show one dev environment: readiness, conditions, objects, a claim's tree, recent events`,
    footer: examples(
      ["platform status dev alice"],
      ["platform status dev alice -o yaml"],
    ),
  },
);
