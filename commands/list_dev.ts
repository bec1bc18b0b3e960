/** `platform list dev` and `platform status dev <user>`. */
import {
  argument,
  command,
  constant,
  type InferValue,
  merge,
  message,
  object,
  option,
  optional,
} from "./optique.ts";
import { usageError } from "../lib/errors.ts";
import type { Output } from "../lib/output.ts";
import type { CommandContext } from "./context.ts";
import { examples } from "./examples.ts";
import {
  allNamespacesOption,
  commonOptions,
  environmentOptions,
  flagsOf,
  namespaceFilter,
} from "./options.ts";
import { selectorValue, userValue } from "./values.ts";
import { lazy } from "../lib/lazy.ts";

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

/** Runs `list dev`. */
export async function runListDev(
  parsed: InferValue<typeof listDevCommand>,
  context: CommandContext,
): Promise<Output> {
  const { listDev } = await lazy<typeof import("../lib/dev/list.ts")>(
    "../lib/dev/list.ts",
    import.meta.url,
  );
  if (parsed.namespace && parsed.allNamespaces) {
    throw usageError("-n and -A cannot be combined", "drop one of them");
  }
  const rows = await listDev({
    user: parsed.user,
    namespace: parsed.namespace,
    selector: parsed.selector,
    flags: { ...flagsOf(parsed), namespace: undefined },
    env: context.env,
    cwd: context.cwd,
    reporter: context.reporter,
  });
  return {
    kind: "table",
    records: rows.map((row) => ({ ...row })),
    columns: ["user", "namespace", "app", "url", "ready", "age", "session"],
    empty: "no dev environments (create one with: platform apply dev <user>)",
    nameKey: "user",
  };
}

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

/** Runs `status dev`. */
export async function runStatusDev(
  parsed: InferValue<typeof statusDevCommand>,
  context: CommandContext,
): Promise<Output> {
  const [{ statusDev }, { treeLines }] = await Promise.all([
    lazy<typeof import("../lib/dev/list.ts")>("../lib/dev/list.ts", import.meta.url),
    lazy<typeof import("../lib/tree.ts")>("../lib/tree.ts", import.meta.url),
  ]);
  const status = await statusDev(parsed.user, {
    flags: flagsOf(parsed),
    env: context.env,
    cwd: context.cwd,
  });
  // The table view shows a claim's tree as indented lines; JSON and YAML keep the nested records.
  const { composition, ...rest } = status;
  return {
    kind: "record",
    record: { ...status },
    view: composition ? { ...rest, composition: treeLines(composition).join("\n") } : undefined,
    hide: status.events.length ? [] : ["events"],
  };
}
