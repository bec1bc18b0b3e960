/** The parser of `platform uninstall dev <user>` (run by actions/uninstall_dev.ts). */
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
} from "./optique.ts";
import { examples } from "./examples.ts";
import { commonOptions, environmentOptions } from "./options.ts";
import { userValue } from "./values.ts";

/** Parser of `uninstall dev`. */
export const uninstallDevCommand = command(
  "dev",
  merge(
    object({
      verb: constant("uninstall-dev" as const),
      user: argument(userValue, { description: message`user name` }),
      keepNamespace: option("--keep-namespace", {
        description: message`keep the namespace even when apply dev created it`,
      }),
      noWait: option("--no-wait", { description: message`do not wait until everything is gone` }),
      db: optional(
        option("--db", string({ metavar: "SECRET" }), {
          description:
            message`accepted for the seed's scripts and ignored: uninstall finds everything by its labels`,
        }),
      ),
    }),
    environmentOptions,
    commonOptions,
  ),
  {
    description: message`End the user's session and delete their dev environment`,
    footer: examples(
      ["platform uninstall dev alice"],
      ["platform uninstall dev alice --keep-namespace --no-wait"],
    ),
  },
);
