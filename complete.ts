#!/usr/bin/env -S deno run -A
/**
 * Entry for `platform __complete <source>`, which completion scripts run for
 * contexts, namespaces, users and resource types. The installed `platform`
 * runs this file directly, so such a TAB does not load the whole CLI (Deno
 * builds the module graph of every import an entry names: ~130 ms).
 * platform.ts answers `__complete` too, for compiled binaries.
 */
import { runDynamicCompletion } from "./commands/dynamic_completion.ts";

if (import.meta.main) {
  const text = await runDynamicCompletion(Deno.args, {
    env: Deno.env.toObject(),
    cwd: Deno.cwd(),
  }).catch(() => "");
  await Deno.stdout.write(new TextEncoder().encode(text));
  Deno.exit(0);
}
