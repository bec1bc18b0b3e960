/**
 * `./denow task help:pages`: renders every command's `--help` with the parser
 * and writes commands/help_pages.json, which `platform ... --help` prints
 * without loading the parser (commands/help_page.ts). Run it after changing
 * a parser, an option or a description; tests/unit/help_pages_test.ts fails
 * until the file matches. `--check` only says whether it does (exit 1 if not).
 *
 * Usage: deno run -A scripts/help_pages.ts [--check]
 *
 * @module
 */
import { commandShape, parseCommandLine } from "../commands/cli.ts";
import { allNodes } from "../lib/completion/tree.ts";
import { HELP_PAGES_URL, type HelpPages } from "../commands/help_page.ts";

/** What the parser prints on stdout for `argv`, with its exit code. */
export function parserOutput(argv: readonly string[]): { exit: number; stdout: string } {
  let stdout = "";
  const result = parseCommandLine(argv, {
    stdout: (text) => stdout += text,
    stderr: () => {},
    isTerminal: false,
    env: {},
    cwd: "/",
  });
  // -1: the parser read a command to run (no page, no error).
  return { exit: "exit" in result ? result.exit : -1, stdout };
}

/** Every command path of the CLI, the top first. */
export function commandPaths(): string[][] {
  return allNodes(commandShape()).map((node) => node.path);
}

/** Every page, as the parser renders it now. */
export function renderHelpPages(): HelpPages {
  const pages: HelpPages = {};
  for (const path of commandPaths()) {
    const { exit, stdout } = parserOutput([...path, "--help"]);
    if (exit !== 0 || !stdout) {
      throw new Error(`platform ${[...path, "--help"].join(" ")} exited ${exit}`);
    }
    pages[path.join(" ")] = stdout;
  }
  return pages;
}

/** The file's text for `pages`, as deno fmt leaves it. */
export function helpPagesText(pages: HelpPages): string {
  return JSON.stringify(pages, null, 2) + "\n";
}

if (import.meta.main) {
  const text = helpPagesText(renderHelpPages());
  const current = await Deno.readTextFile(HELP_PAGES_URL).catch(() => "");
  if (Deno.args.includes("--check")) {
    if (current !== text) {
      console.error("commands/help_pages.json is out of date; run ./denow task help:pages");
      Deno.exit(1);
    }
  } else if (current !== text) {
    await Deno.writeTextFile(HELP_PAGES_URL, text);
    console.error(`wrote ${HELP_PAGES_URL.pathname}`);
  }
}
