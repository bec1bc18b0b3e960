/** `platform init`: make an app repository ready for platform and devbox. */
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
} from "./optique.ts";
import type { Output } from "../lib/output.ts";
import type { CommandContext } from "./context.ts";
import { examples } from "./examples.ts";
import { commonOptions } from "./options.ts";
import { dirValue } from "./values.ts";
import { lazy } from "../lib/lazy.ts";

/** Parser of `init`. */
export const initCommand = command(
  "init",
  merge(
    object({
      verb: constant("init" as const),
      dir: optional(argument(dirValue, {
        description: message`the app repository (default: the current directory)`,
      })),
      app: optional(
        option("--app", string({ metavar: "NAME" }), {
          description:
            message`app name (default: okteto.yaml's dev entry, else the directory name)`,
        }),
      ),
      dryRun: option("--dry-run", { description: message`say what would change; write nothing` }),
    }),
    commonOptions,
  ),
  {
    description:
      message`Scaffold an app repository: platform.yaml (from okteto.yaml when there is one), the devbox init_hook, .gitignore lines`,
    footer: examples(
      ["platform init", "in the app repository"],
      ["platform init --dry-run", "what would change"],
      ["platform init ../my-app --app my-app"],
    ),
  },
);

/** Runs `init`. */
export async function runInit(
  parsed: InferValue<typeof initCommand>,
  context: CommandContext,
): Promise<Output> {
  const { initProject } = await lazy<typeof import("../lib/init.ts")>(
    "../lib/init.ts",
    import.meta.url,
  );
  const dir = !parsed.dir
    ? context.cwd
    : parsed.dir.startsWith("/")
    ? parsed.dir
    : `${context.cwd}/${parsed.dir}`;
  const records = await initProject({ dir, app: parsed.app, dryRun: parsed.dryRun });
  return {
    kind: "table",
    records: records.map((record) => ({ ...record })),
    columns: ["file", "action", "detail"],
    nameKey: "file",
  };
}
