/** `platform setup <provider>` and `platform destroy <provider>`. */
import { message, text } from "@optique/core/message";
import { merge, object } from "@optique/core/constructs";
import type { InferValue } from "@optique/core/parser";
import { argument, command, constant, option } from "@optique/core/primitives";
import { optional, withDefault } from "@optique/core/modifiers";
import { choice, string } from "@optique/core/valueparser";
import type { Output } from "../lib/output.ts";
import { PROVIDER_NAMES } from "../providers/clusters/registry.ts";
import type { CommandContext } from "./context.ts";
import { commonOptions } from "./options.ts";

const providerArgument = withDefault(
  argument(choice(PROVIDER_NAMES, { metavar: "PROVIDER" }), {
    description: message`${text(PROVIDER_NAMES.join(", "))} (default kwok: local, no Docker)`,
  }),
  "kwok",
);
const sharedOptions = object({
  clusterName: optional(
    option("--cluster-name", string({ metavar: "NAME" }), {
      description: message`cluster name (default platform)`,
    }),
  ),
  ingress: optional(
    option("--ingress", choice(["contour", "nginx", "traefik"]), {
      description: message`ingress controller (default contour)`,
    }),
  ),
  components: optional(
    option("--components", string({ metavar: "LIST" }), {
      description:
        message`comma-separated: crossplane, external-secrets, atlas-operator (default all)`,
    }),
  ),
  users: optional(
    option("--users", string({ metavar: "LIST" }), {
      description: message`developers' namespaces, e.g. alice,bob`,
    }),
  ),
  dryRun: option("--dry-run", {
    description: message`print the plan (exact commands) and touch nothing`,
  }),
});

/** Parser of `setup`. */
export const setupCommand = command(
  "setup",
  merge(
    object({ verb: constant("setup" as const), provider: providerArgument }),
    sharedOptions,
    commonOptions,
  ),
  {
    description:
      message`Stand the platform up: cluster, ingress, Crossplane, External Secrets, Atlas, namespaces, staging app, .env`,
  },
);

/** Parser of `destroy`. */
export const destroyCommand = command(
  "destroy",
  merge(
    object({
      verb: constant("destroy" as const),
      provider: providerArgument,
      yes: option("-y", "--yes", { description: message`delete a cloud cluster without asking` }),
    }),
    sharedOptions,
    commonOptions,
  ),
  { description: message`Remove what setup made, in reverse order, and the cluster` },
);

const list = (value?: string) => value?.split(",").map((item) => item.trim()).filter(Boolean);

function common(
  parsed: InferValue<typeof setupCommand> | InferValue<typeof destroyCommand>,
  context: CommandContext,
) {
  return {
    provider: parsed.provider,
    clusterName: parsed.clusterName,
    ingress: parsed.ingress,
    components: list(parsed.components),
    users: list(parsed.users),
    dryRun: parsed.dryRun,
    kubeconfig: parsed.kubeconfig,
    env: context.env,
    cwd: context.cwd,
    reporter: context.reporter,
  };
}

const columns = ["step", "status", "detail"];

/** Runs `setup`. */
export async function runSetup(
  parsed: InferValue<typeof setupCommand>,
  context: CommandContext,
): Promise<Output> {
  const { setup } = await import("../lib/setup/setup.ts");
  const records = await setup(common(parsed, context));
  return { kind: "table", records: records.map((record) => ({ ...record })), columns };
}

/** Runs `destroy`; asks for confirmation on a terminal. */
export async function runDestroy(
  parsed: InferValue<typeof destroyCommand>,
  context: CommandContext,
): Promise<Output> {
  const { destroy } = await import("../lib/setup/destroy.ts");
  const ask = Deno.stdin.isTerminal()
    ? (question: string) => Promise.resolve(globalThis.confirm(question))
    : undefined;
  const records = await destroy({ ...common(parsed, context), yes: parsed.yes, confirm: ask });
  return { kind: "table", records: records.map((record) => ({ ...record })), columns };
}
