/** `platform setup <provider>` and `platform destroy <provider>`: parse, call mod.ts, records. */
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
  string,
  text,
  withDefault,
} from "./optique.ts";
import type { Output } from "../lib/output.ts";
import { COMPONENT_NAMES, INGRESS_CLASSES } from "../lib/setup/components.ts";
import { DEFAULT_PROVIDER, PROVIDER_NAMES, PROVIDERS } from "../providers/clusters/registry.ts";
import type { CommandContext } from "./context.ts";
import { examples } from "./examples.ts";
import { commonOptions } from "./options.ts";
import { clusterNameValue, componentsValue, ingressClassValue, providerValue } from "./values.ts";
import { lazy } from "../lib/lazy.ts";

/** Providers whose destroy asks first, from their declarations. */
const ASKING = PROVIDERS.filter((provider) => provider.confirmDestroy).map((provider) =>
  provider.name
);

const providerArgument = withDefault(
  argument(providerValue, {
    description: message`${text(PROVIDER_NAMES.join(", "))} (default ${
      text(DEFAULT_PROVIDER.name)
    }: local, no Docker)`,
  }),
  DEFAULT_PROVIDER.name,
);
const sharedOptions = object({
  clusterName: optional(
    option("--cluster-name", clusterNameValue, {
      description: message`cluster name (default platform)`,
    }),
  ),
  ingress: optional(
    option("--ingress", ingressClassValue, {
      description: message`ingress controller: ${
        text(INGRESS_CLASSES.join(", "))
      } (default contour)`,
    }),
  ),
  components: optional(
    option("--components", componentsValue, {
      description: message`comma-separated: ${text(COMPONENT_NAMES.join(", "))} (default all)`,
    }),
  ),
  users: optional(
    option("--users", string({ metavar: "LIST" }), {
      description: message`developers who get a namespace, e.g. alice,bob`,
    }),
  ),
  dryRun: option("--dry-run", {
    description: message`print the plan (exact commands as argv arrays) and touch nothing`,
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
    footer: examples(
      ["platform setup --users alice,bob", "the local kwok cluster"],
      ["source .env", "KUBECONFIG, PROVIDER, INGRESS_HOST"],
      ["platform setup aws --dry-run -o yaml", "the plan, nothing touched"],
    ),
  },
);

/** Parser of `destroy`. */
export const destroyCommand = command(
  "destroy",
  merge(
    object({
      verb: constant("destroy" as const),
      provider: providerArgument,
      yes: option("-y", "--yes", {
        description: message`delete without asking (${text(ASKING.join(", "))} ask first)`,
      }),
    }),
    sharedOptions,
    commonOptions,
  ),
  {
    description: message`Remove what setup made, in reverse order, then the cluster`,
    footer: examples(["platform destroy", "the local cluster"], ["platform destroy aws --yes"]),
  },
);

const list = (value?: string) => value?.split(",").map((item) => item.trim()).filter(Boolean);

function options(
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
    context: parsed.context,
    env: context.env,
    cwd: context.cwd,
    reporter: context.reporter,
  };
}

function output(records: object[]): Output {
  return {
    kind: "table",
    records: records.map((record) => ({ ...record })),
    columns: ["step", "status", "detail"],
  };
}

/** Runs `setup`. */
export async function runSetup(
  parsed: InferValue<typeof setupCommand>,
  context: CommandContext,
): Promise<Output> {
  const { setup } = await lazy<typeof import("../lib/setup/setup.ts")>(
    "../lib/setup/setup.ts",
    import.meta.url,
  );
  return output(await setup(options(parsed, context)));
}

/** Asks on the terminal (stderr, so stdout keeps only records); yes only on y or yes. */
async function askOnTerminal(question: string): Promise<boolean> {
  await Deno.stderr.write(new TextEncoder().encode(`${question} [y/N] `));
  const buffer = new Uint8Array(256);
  const read = await Deno.stdin.read(buffer);
  const answer = new TextDecoder().decode(buffer.subarray(0, read ?? 0)).trim().toLowerCase();
  return answer === "y" || answer === "yes";
}

/** Runs `destroy`; asks for confirmation when stdin is a terminal. */
export async function runDestroy(
  parsed: InferValue<typeof destroyCommand>,
  context: CommandContext,
): Promise<Output> {
  const { destroy } = await lazy<typeof import("../lib/setup/destroy.ts")>(
    "../lib/setup/destroy.ts",
    import.meta.url,
  );
  const confirm = Deno.stdin.isTerminal() ? askOnTerminal : undefined;
  return output(await destroy({ ...options(parsed, context), yes: parsed.yes, confirm }));
}
