/**
 * `platform completions <shell>`, `platform shell-init [shell]`, and the
 * hidden `platform __complete <source>` the completion scripts run for
 * values only the kubeconfig or the cluster knows.
 */
import {
  argument,
  command,
  constant,
  type InferValue,
  merge,
  message,
  object,
  optional,
} from "./optique.ts";
import type { CommandNode } from "../lib/completion/tree.ts";
import type { Output } from "../lib/output.ts";
import type { CommandContext } from "./context.ts";
import { examples } from "./examples.ts";
import { commonOptions } from "./options.ts";
import { type Shell, SHELLS, shellValue } from "./values.ts";
import { lazy } from "../lib/lazy.ts";

/** Parser of `completions`. */
export const completionsCommand = command(
  "completions",
  merge(
    object({
      verb: constant("completions" as const),
      shell: argument(shellValue, { description: message`bash, zsh, fish or nu` }),
    }),
    commonOptions,
  ),
  {
    description: message`Print the shell completion script (shell-init includes it)`,
    footer: examples(
      ["platform completions bash > ~/.local/share/bash-completion/completions/platform"],
      ["platform completions zsh > ~/.zsh/completions/_platform"],
      ["platform completions fish > ~/.config/fish/completions/platform.fish"],
      ["platform completions nu | save -f ~/.config/nushell/platform.nu"],
    ),
  },
);

/** Parser of `shell-init`. */
export const shellInitCommand = command(
  "shell-init",
  merge(
    object({
      verb: constant("shell-init" as const),
      shell: optional(argument(shellValue, { description: message`default: from $SHELL` })),
    }),
    commonOptions,
  ),
  {
    description:
      message`Print what a devbox init_hook or a shell rc file evaluates: PATH, the project's .env exports, completions`,
    footer: examples(
      ["platform shell-init", "what the shell of $SHELL would evaluate"],
      ['eval "$(platform shell-init bash)"', "in ~/.bashrc or a devbox init_hook"],
      ['eval "$(platform shell-init zsh)"', "in ~/.zshrc"],
      ["platform shell-init fish | source", "in ~/.config/fish/config.fish"],
      ["platform shell-init nu | save -f ~/.config/nushell/platform.nu", "then source it"],
    ),
  },
);

/** The `platform` executable's path when known (the installed shim sets PLATFORM_BIN). */
export function executablePath(env: Record<string, string | undefined>): string | undefined {
  if (env.PLATFORM_BIN) return env.PLATFORM_BIN;
  return Deno.build.standalone ? Deno.execPath() : undefined;
}

function shellOf(given: Shell | undefined, env: Record<string, string | undefined>): Shell {
  if (given) return given;
  const name = (env.SHELL ?? "").split("/").pop() as Shell;
  return SHELLS.includes(name) ? name : "bash";
}

/** Runs `completions`. */
export async function runCompletions(
  parsed: InferValue<typeof completionsCommand>,
  tree: CommandNode,
): Promise<Output> {
  const { completionScript } = await lazy<typeof import("../lib/completion/scripts.ts")>(
    "../lib/completion/scripts.ts",
    import.meta.url,
  );
  return { kind: "text", text: completionScript(parsed.shell, tree), raw: true };
}

/** Runs `shell-init`. */
export async function runShellInit(
  parsed: InferValue<typeof shellInitCommand>,
  context: CommandContext,
  tree: CommandNode,
): Promise<Output> {
  const { completionScript } = await lazy<typeof import("../lib/completion/scripts.ts")>(
    "../lib/completion/scripts.ts",
    import.meta.url,
  );
  const { shellInit } = await lazy<typeof import("../lib/shell_init.ts")>(
    "../lib/shell_init.ts",
    import.meta.url,
  );
  const shell = shellOf(parsed.shell, context.env);
  const executable = executablePath(context.env);
  const text = await shellInit({
    shell,
    completion: completionScript(shell, tree, executable ?? "platform"),
    binDir: executable?.replace(/\/[^/]*$/, ""),
    env: context.env,
    cwd: context.cwd,
  });
  return { kind: "text", text, raw: true };
}
