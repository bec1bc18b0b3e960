/**
 * `platform shell-init <shell>`: what a devbox init_hook (or a shell's rc
 * file) evaluates: the directory of the `platform` executable on PATH when
 * it is not there yet, the exports of the project's `.env` (the nearest one
 * up to the repository root), and the completion script.
 */
import { parseDotenv } from "./dotenv.ts";
import { posixQuote } from "./completion/scripts.ts";
import { dirOf, findUp } from "./project.ts";

/** Shells shell-init writes for. */
export type InitShell = "bash" | "zsh" | "fish" | "nu";

/** What {@link shellInit} needs. */
export interface ShellInitOptions {
  shell: InitShell;
  /** The completion script of the shell. */
  completion: string;
  /** Directory of the platform executable; added to PATH when missing there. */
  binDir?: string;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** Keys whose relative values are paths, made absolute so the exports hold from any directory. */
const PATH_KEYS = new Set(["KUBECONFIG"]);

/** The exports of the nearest `.env`; relative KUBECONFIG paths resolved from its directory. */
export async function dotenvExports(
  cwd: string,
): Promise<{ file?: string; values: [string, string][] }> {
  const file = findUp(cwd, ".env");
  if (!file) return { values: [] };
  const values = Object.entries(parseDotenv(await Deno.readTextFile(file))).map((
    [key, value],
  ): [string, string] => [
    key,
    PATH_KEYS.has(key) && value && !value.startsWith("/") && !value.startsWith("~")
      ? value.split(":").map((part) => part.startsWith("/") ? part : `${dirOf(file)}/${part}`)
        .join(":")
      : value,
  ]);
  return { file, values };
}

function fishQuote(text: string): string {
  return `'${text.replace(/[\\']/g, "\\$&")}'`;
}

/** The text to evaluate. */
export async function shellInit(options: ShellInitOptions): Promise<string> {
  const { shell, binDir } = options;
  const onPath = (options.env.PATH ?? "").split(":").includes(binDir ?? "");
  const { file, values } = await dotenvExports(options.cwd);
  const lines = [
    `# platform shell-init ${shell}: PATH, the exports of ${
      file ?? "(no .env found)"
    }, completions`,
  ];
  if (binDir && !onPath) {
    lines.push(
      shell === "fish"
        ? `set -gx PATH ${fishQuote(binDir)} $PATH`
        : shell === "nu"
        ? `$env.PATH = ($env.PATH | prepend ${JSON.stringify(binDir)})`
        : `export PATH=${posixQuote(binDir)}:"$PATH"`,
    );
  }
  for (const [key, value] of values) {
    lines.push(
      shell === "fish"
        ? `set -gx ${key} ${fishQuote(value)}`
        : shell === "nu"
        ? `$env.${key} = ${JSON.stringify(value)}`
        : `export ${key}=${posixQuote(value)}`,
    );
  }
  switch (shell) {
    case "bash":
      // Inside eval, so a POSIX sh running the same hook parses nothing bash-only.
      lines.push(`if [ -n "\${BASH_VERSION:-}" ]; then eval ${posixQuote(options.completion)}; fi`);
      break;
    case "zsh": {
      const setup = "(( $+functions[compdef] )) || { autoload -Uz compinit && compinit -u; }\n";
      lines.push(
        `if [ -n "\${ZSH_VERSION:-}" ]; then eval ${posixQuote(setup + options.completion)}; fi`,
      );
      break;
    }
    case "fish":
    case "nu":
      lines.push(options.completion);
  }
  return lines.join("\n") + "\n";
}
