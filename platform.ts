#!/usr/bin/env -S deno run -A
/**
 * The platform CLI entry point: the only place that exits the process.
 * Everything else is in mod.ts (the library) and commands/ (the verbs).
 */

import { lazy } from "./lib/lazy.ts";

/** Hidden argv[0] with which a compiled binary runs the local cluster's sandboxer. */
export const SANDBOXER_ARG = "__sandboxer";

if (import.meta.main) {
  if (Deno.args[0] === SANDBOXER_ARG) {
    const sandboxer = await lazy<typeof import("./providers/clusters/kwok/sandboxer.ts")>(
      "./providers/clusters/kwok/sandboxer.ts",
      import.meta.url,
    );
    await sandboxer.main();
  } else if (Deno.args[0] === "__complete") {
    // A completion script asking for cluster values: the parsers are not needed.
    const { runDynamicCompletion } = await lazy<typeof import("./commands/dynamic_completion.ts")>(
      "./commands/dynamic_completion.ts",
      import.meta.url,
    );
    const text = await runDynamicCompletion(Deno.args.slice(1), {
      env: Deno.env.toObject(),
      cwd: Deno.cwd(),
    }).catch(() => "");
    await Deno.stdout.write(new TextEncoder().encode(text));
    Deno.exit(0);
  } else {
    const { likelyReachesCluster } = await import("./lib/startup_hints.ts");
    if (likelyReachesCluster(Deno.args)) {
      const { startTlsWarmup } = await import("./lib/kube/tls_warmup.ts");
      startTlsWarmup();
    }
    const { main } = await import("./commands/main.ts");
    Deno.exit(await main(Deno.args));
  }
}
