/**
 * Options shared by many verbs, defined once so help, validation and
 * completion agree everywhere. The settings a verb hands to the library
 * (flagsOf in flags.ts) are the parsed values of these very options,
 * picked by key: a new setting flag is one field here and one in
 * FlagSettings (lib/settings.ts), which the compiler checks against each
 * other.
 */
import {
  type InferValue,
  integer,
  message,
  object,
  option,
  optional,
  string,
  text,
  withDefault,
} from "./optique.ts";
import type { OutputFormat } from "../lib/output_formats.ts";
import type { FlagSettings } from "../lib/settings.ts";
import { TEMPLATE_CHOICES } from "../templates/registry.ts";
import {
  contextValue,
  durationValue,
  fileValue,
  formatValue,
  hostValue,
  imageValue,
  ingressClassNameValue,
  namespaceValue,
  tagValue,
  templateValue,
} from "./values.ts";

export { MAX_DURATION_SECONDS, parseDuration } from "../lib/duration.ts";

/** --output, --kubeconfig, --context, --config, --verbose: every verb takes them, before or after it. */
export const commonOptions = object("Common options", {
  output: withDefault(
    option("-o", "--output", formatValue, {
      description:
        message`table, wide, json, yaml or name (auto: a table on a terminal, JSON when piped)`,
    }),
    "auto" as OutputFormat,
  ),
  kubeconfig: optional(
    option("--kubeconfig", fileValue, {
      description: message`kubeconfig file (default: KUBECONFIG, .env, ~/.kube/config)`,
    }),
  ),
  context: optional(
    option("--context", contextValue, { description: message`kubeconfig context` }),
  ),
  config: optional(
    option("--config", fileValue, {
      description: message`platform.yaml to read (default: the nearest up to the repository root)`,
    }),
  ),
  verbose: option("-v", "--verbose", { description: message`show the cause chain of errors` }),
});

const environmentFields = {
  app: optional(
    option("--app", string({ metavar: "NAME" }), {
      description: message`app name (default silly-demo)`,
    }),
  ),
  namespace: optional(
    option("-n", "--namespace", namespaceValue, {
      description: message`namespace (default: the user name)`,
    }),
  ),
  template: optional(
    option("--template", templateValue, {
      description: message`${
        text(TEMPLATE_CHOICES.join(", "))
      }, or a claim file used as the template`,
    }),
  ),
  image: optional(
    option("--image", imageValue, {
      description: message`app image, without tag: [registry[:port]/]path`,
    }),
  ),
  tag: optional(
    option("--tag", tagValue, { description: message`app image tag` }),
  ),
  port: optional(
    option("--port", integer({ min: 1, max: 65535, metavar: "PORT" }), {
      description: message`port the app listens on`,
    }),
  ),
  ingressHost: optional(
    option("--ingress-host", hostValue, {
      description:
        message`base host; environments get <user>.<app>.<host> (default: INGRESS_HOST, .env, discovered)`,
    }),
  ),
  ingressClassName: optional(
    option("--ingress-class", ingressClassNameValue, { description: message`ingress class` }),
  ),
  timeout: optional(
    option("--timeout", durationValue, {
      description: message`how long to wait: 90, 90s, 5m (default 120s)`,
    }),
  ),
};
/** Options that pick and shape a dev environment. */
export const environmentOptions = object("Environment options", environmentFields);

/** A namespace filter: `-n NS` (for verbs that look across namespaces). */
export function namespaceFilter(description: string) {
  return optional(
    option("-n", "--namespace", namespaceValue, { description: message`${description}` }),
  );
}

/** `-A`: across all namespaces. */
export const allNamespacesOption = option("-A", "--all-namespaces", {
  description: message`across all namespaces`,
});

type Common = InferValue<typeof commonOptions>;
type Environment = InferValue<typeof environmentOptions>;

/** The parsed options that are settings: every environment option, and how to reach the cluster. */
export type SettingFlags =
  & Pick<Common, "kubeconfig" | "context" | "config">
  & Partial<Environment>
  & { driver?: string };

// The compiler's check that each parsed setting is what the library takes under the same key
// (flags.ts picks them by key).
const _sameShape: FlagSettings = {} as SettingFlags;
type Unknown = Exclude<keyof SettingFlags, keyof FlagSettings>;
const _noneUnknown: [Unknown] extends [never] ? true : Unknown = true;
