import assert from "node:assert/strict";
import { devIdentity, devSelector, dnsLabelProblem, EXIT_USAGE, PlatformError } from "../../mod.ts";

Deno.test("a user name must be a DNS-1123 label: capitals, dots, underscores, length and empty are refused", () => {
  const cases: [string, RegExp][] = [
    ["Alice", /capital/],
    ["al.ice", /dots/],
    ["al_ice", /underscores/],
    ["a".repeat(64), /64 characters/],
    ["", /empty/],
    ["-alice", /start/],
  ];
  for (const [name, reason] of cases) {
    assert.match(dnsLabelProblem(name) ?? "", reason, name);
    assert.throws(() => devIdentity(name, "app", { ingressHost: "h" }), (error: unknown) => {
      assert.ok(error instanceof PlatformError);
      assert.equal(error.exitCode, EXIT_USAGE);
      assert.match(error.hint ?? "", /^a user name must be a DNS-1123 label/);
      return true;
    });
  }
  assert.equal(dnsLabelProblem("alice-2"), undefined);
});

Deno.test("identity is derived from the user alone: namespace, id, host, labels", () => {
  const identity = devIdentity("alice", "silly-demo", { ingressHost: "127.0.0.1.nip.io" });
  assert.equal(identity.namespace, "alice");
  assert.equal(identity.id, "alice-silly-demo");
  assert.equal(identity.name, "silly-demo");
  assert.equal(identity.host, "alice.silly-demo.127.0.0.1.nip.io");
  assert.equal(identity.url, "http://alice.silly-demo.127.0.0.1.nip.io");
  assert.equal(identity.labels["app.kubernetes.io/managed-by"], "platform");
  assert.equal(identity.labels["platform.dev/user"], "alice");
  assert.equal(identity.labels["platform.dev/app"], "silly-demo");
});

Deno.test("an id longer than a label allows is refused with a hint", () => {
  assert.throws(
    () => devIdentity("a".repeat(40), "b".repeat(30), { ingressHost: "h" }),
    /at most 63/,
  );
});

Deno.test("the label selector narrows by user and app", () => {
  assert.equal(devSelector(), "app.kubernetes.io/managed-by=platform");
  assert.equal(
    devSelector("bob", "web"),
    "app.kubernetes.io/managed-by=platform,platform.dev/user=bob,platform.dev/app=web",
  );
});
