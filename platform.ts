#!/usr/bin/env -S deno run -A
/**
 * The platform CLI entry point: the only place that exits the process.
 * Everything else is in mod.ts (the library) and commands/ (the verbs).
 */
import { main } from "./commands/cli.ts";

/** Hidden argv[0] with which a compiled binary runs the local cluster's sandboxer. */
export const SANDBOXER_ARG = "__sandboxer";

if (import.meta.main) {
  if (Deno.args[0] === SANDBOXER_ARG) {
    const sandboxer = await import("./providers/clusters/kwok/sandboxer.ts");
    await sandboxer.main();
  } else {
    Deno.exit(await main(Deno.args));
  }
}
