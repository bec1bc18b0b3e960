/** The parser of `platform apply dev <user>` (run by actions/apply_dev.ts). */
import {
  argument,
  command,
  constant,
  merge,
  message,
  object,
  option,
  optional,
  string,
  text,
} from "./optique.ts";
import { DRIVER_NAMES } from "../providers/sessions/registry.ts";
import { commonOptions, environmentOptions } from "./options.ts";
import { examples } from "./examples.ts";
import { driverValue, userValue } from "./values.ts";

/** Parser of `apply dev`. */
export const applyDevCommand = command(
  "dev",
  merge(
    object({
      verb: constant("apply-dev" as const),
      user: argument(userValue, {
        description: message`user name (a DNS-1123 label)`,
      }),
      db: optional(
        option("--db", string({ metavar: "SECRET" }), {
          description: message`name of the database secret in the secret store`,
        }),
      ),
      dryRun: option("--dry-run", {
        description:
          message`print the manifests (-o json: a v1 List, -o yaml: documents) for kubectl apply -f -; change nothing`,
      }),
      noWait: option("--no-wait", {
        description: message`do not wait until the workload is ready`,
      }),
      noSession: option("--no-session", {
        description: message`stop after the environment is ready`,
      }),
      session: option("--session", {
        description: message`start a dev session even without a terminal (scripts, CI)`,
      }),
      driver: optional(
        option("--driver", driverValue, {
          description: message`session driver: ${text(DRIVER_NAMES.join(", "))} (default builtin)`,
        }),
      ),
      takeover: option("--takeover", {
        description: message`take over a session someone else holds`,
      }),
      adopt: option("--adopt", {
        description: message`take over same-named objects platform did not create`,
      }),
    }),
    environmentOptions,
    commonOptions,
  ),
  {
    description: message`Apply a user's dev environment, wait until it is ready, print its URL`,
    footer: examples(
      ["platform apply dev alice", "then a dev session, on a terminal"],
      ["platform apply dev alice --no-session --db silly-demo-db"],
      ["platform apply dev alice --session", "a session from a script or CI"],
      ["platform apply dev alice --dry-run -o yaml | kubectl apply -f -"],
      ["platform apply dev bob --template crossplane/app-dev-db.yaml --timeout 5m"],
    ),
  },
);
