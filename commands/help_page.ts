/**
 * `--help` without the parser. Loading optique and building the command
 * tree is most of what `platform --help` cost (about 40 of its 60 ms, with
 * Deno 2.9), for text that only changes when the parsers do. So the parser's
 * own pages are rendered ahead into help_pages.json (`./denow task
 * help:pages`) and printed from there for the lines that only ask for a page:
 * `platform`, `platform [COMMAND...] --help|-h` and `platform help [COMMAND...]`.
 * Any other line, or a command the file does not know, goes to the parser.
 * tests/unit/help_pages_test.ts renders every page again and fails when the
 * file is stale.
 *
 * @module
 */

/** The pages: a command path joined by spaces ("" for the top) to its text. */
export type HelpPages = Record<string, string>;

/** Where the pages are, beside this module (deno compile includes commands/). */
export const HELP_PAGES_URL: URL = new URL("./help_pages.json", import.meta.url);

const HELP_FLAGS = new Set(["--help", "-h"]);

/**
 * The page `argv` asks for and nothing else, as its key in the pages; or
 * undefined when the line says more than that (the parser reads it).
 */
export function helpPageKey(argv: readonly string[]): string | undefined {
  const words = argv.length === 0
    ? []
    : HELP_FLAGS.has(argv.at(-1)!)
    ? argv.slice(0, -1)
    : argv[0] === "help"
    ? argv.slice(1)
    : undefined;
  // Command words only: an option or a value anywhere means the parser decides.
  if (!words || words.some((word) => !/^[a-z][a-z-]*$/.test(word))) return undefined;
  return words.join(" ");
}

/** The pre-rendered page for `argv`, if it only asks for one and the pages have it. */
export function preRenderedHelp(argv: readonly string[]): string | undefined {
  const key = helpPageKey(argv);
  if (key === undefined) return undefined;
  let pages: HelpPages;
  try {
    pages = JSON.parse(Deno.readTextFileSync(HELP_PAGES_URL));
  } catch {
    return undefined; // no pages (a trimmed copy): the parser renders it
  }
  return Object.hasOwn(pages, key) ? pages[key] : undefined;
}
