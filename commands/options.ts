/**
 * Options shared by many verbs, defined once so help, validation and
 * completion agree everywhere.
 */
import { message, text } from "@optique/core/message";
import { object } from "@optique/core/constructs";
import { option } from "@optique/core/primitives";
import { optional, withDefault } from "@optique/core/modifiers";
import { choice, integer, string } from "@optique/core/valueparser";
import { usageError } from "../lib/errors.ts";
import { OUTPUT_FORMATS, type OutputFormat } from "../lib/output_formats.ts";
import type { FlagSettings } from "../lib/settings.ts";
import { TEMPLATE_CHOICES } from "../templates/registry.ts";

/** --output, --kubeconfig, --context, --config, --verbose. */
export const commonOptions = object("Common options", {
  output: withDefault(
    option("-o", "--output", choice(OUTPUT_FORMATS, { metavar: "FORMAT" }), {
      description: message`table, json or yaml (auto: a table on a terminal, JSON when piped)`,
    }),
    "auto" as OutputFormat,
  ),
  kubeconfig: optional(
    option("--kubeconfig", string({ metavar: "FILE" }), {
      description: message`kubeconfig file (default: KUBECONFIG, .env, ~/.kube/config)`,
    }),
  ),
  context: optional(
    option("--context", string({ metavar: "NAME" }), { description: message`kubeconfig context` }),
  ),
  config: optional(
    option("--config", string({ metavar: "FILE" }), {
      description: message`platform.yaml to read (default ./platform.yaml)`,
    }),
  ),
  verbose: option("-v", "--verbose", { description: message`show the cause chain of errors` }),
});

/** Options that pick and shape a dev environment. */
export const environmentOptions = object("Environment options", {
  app: optional(
    option("--app", string({ metavar: "NAME" }), {
      description: message`app name (default silly-demo)`,
    }),
  ),
  namespace: optional(
    option("-n", "--namespace", string({ metavar: "NS" }), {
      description: message`namespace (default: the user name)`,
    }),
  ),
  template: optional(
    option("--template", string({ metavar: "NAME|FILE" }), {
      description: message`${
        text(TEMPLATE_CHOICES.join(", "))
      }, or a claim file used as the template`,
    }),
  ),
  image: optional(
    option("--image", string({ metavar: "IMAGE" }), { description: message`app image` }),
  ),
  tag: optional(
    option("--tag", string({ metavar: "TAG" }), { description: message`app image tag` }),
  ),
  port: optional(
    option("--port", integer({ min: 1, max: 65535 }), {
      description: message`port the app listens on`,
    }),
  ),
  ingressHost: optional(
    option("--ingress-host", string({ metavar: "HOST" }), {
      description:
        message`base host; environments get <user>.<app>.<host> (default: INGRESS_HOST, .env, discovered)`,
    }),
  ),
  ingressClass: optional(
    option("--ingress-class", string({ metavar: "CLASS" }), {
      description: message`ingress class`,
    }),
  ),
  timeout: optional(
    option("--timeout", string({ metavar: "DURATION" }), {
      description: message`how long to wait: 90, 90s, 5m (default 120s)`,
    }),
  ),
});

/** The longest wait accepted: 24 h (timers overflow past 24.8 days; nobody waits a day for a pod). */
export const MAX_DURATION_SECONDS = 24 * 3600;

/** Parses 90, 90s, 5m, 1h into seconds; usage error otherwise, or past 24 h. */
export function parseDuration(text: string): number {
  const match = /^(\d+)(s|m|h)?$/.exec(text.trim());
  if (!match || Number(match[1]) === 0) {
    throw usageError(
      `invalid duration ${JSON.stringify(text)}`,
      "use seconds or a unit: 90, 90s, 5m, 1h",
    );
  }
  const seconds = Number(match[1]) * ({ s: 1, m: 60, h: 3600 }[match[2] as "s" | "m" | "h"] ?? 1);
  if (seconds > MAX_DURATION_SECONDS) {
    throw usageError(
      `duration ${JSON.stringify(text)} is longer than 24h`,
      "a wait that long is a hang; use at most 24h",
    );
  }
  return seconds;
}

type Common = { kubeconfig?: string; context?: string; config?: string };
type Environment = {
  app?: string;
  namespace?: string;
  template?: string;
  image?: string;
  tag?: string;
  port?: number;
  ingressHost?: string;
  ingressClass?: string;
  timeout?: string;
};

/** The settings a parsed command line sets. */
export function flagsOf(parsed: Common & Partial<Environment> & { driver?: string }): FlagSettings {
  return {
    kubeconfig: parsed.kubeconfig,
    context: parsed.context,
    config: parsed.config,
    app: parsed.app,
    namespace: parsed.namespace,
    template: parsed.template,
    image: parsed.image,
    tag: parsed.tag,
    port: parsed.port,
    ingressHost: parsed.ingressHost,
    ingressClassName: parsed.ingressClass,
    timeout: parsed.timeout === undefined ? undefined : parseDuration(parsed.timeout),
    driver: parsed.driver,
  };
}
