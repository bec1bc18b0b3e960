/** What a command line tells before it is parsed: whether to warm the TLS library up. */
import assert from "node:assert/strict";
import { likelyReachesCluster } from "../../lib/startup_hints.ts";

Deno.test("cluster verbs warm up; help, dry runs and local verbs do not", () => {
  for (const args of [["status", "dev", "alice"], ["list", "dev"], ["apply", "dev", "bob"]]) {
    assert.equal(likelyReachesCluster(args), true, args.join(" "));
  }
  for (
    const args of [
      [],
      ["--help"],
      ["apply", "dev", "bob", "--dry-run"],
      ["status", "dev", "-h"],
      ["completions", "zsh"],
      ["config", "schema"],
      ["init"],
    ]
  ) {
    assert.equal(likelyReachesCluster(args), false, args.join(" ") || "(no arguments)");
  }
});
