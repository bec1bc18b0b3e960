#!/usr/bin/env -S deno run -A
/**
 * The platform CLI entry point: the only place that exits the process.
 * Everything else is in mod.ts (the library) and commands/ (the verbs).
 */
import { main } from "./commands/cli.ts";

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
