/**
 * `Kube.apply` against the real test cluster: a dry run is validated and
 * admitted by the server but changes nothing, and says what the apply
 * would do; the real apply then does exactly that.
 */
import assert from "node:assert/strict";
import { Kube } from "../mod.ts";
import type { KubeObject } from "../lib/kube/types.ts";
import { testCluster, uniqueNamespace } from "./helpers/cluster.ts";

const cluster = await testCluster();
const kube = await Kube.connect({ kubeconfig: cluster.kubeconfigPath });

const configMap = (namespace: string, data: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "settings", namespace },
  data,
});

Deno.test("Kube.apply with dryRun changes nothing and says what the apply would do: created, configured, unchanged", async () => {
  await using ns = await uniqueNamespace("dry-apply");
  const ref = { apiVersion: "v1", kind: "ConfigMap", name: "settings", namespace: ns.name };

  const wouldCreate = await kube.apply(configMap(ns.name, { a: "1" }), { dryRun: true });
  assert.equal(wouldCreate.action, "created");
  assert.equal(wouldCreate.object.data.a, "1", "the server's answer is the object it would store");
  assert.equal(await kube.get(ref), undefined, "a dry run creates nothing");

  const created = await kube.apply(configMap(ns.name, { a: "1" }));
  assert.equal(created.action, "created");

  const wouldChange = await kube.apply(configMap(ns.name, { a: "2" }), { dryRun: true });
  assert.equal(wouldChange.action, "configured");
  const stored = await kube.get(ref);
  assert.equal(stored?.data.a, "1", "a dry run changes nothing");
  assert.equal(stored?.metadata.resourceVersion, created.object.metadata.resourceVersion);

  const same = await kube.apply(configMap(ns.name, { a: "1" }), { dryRun: true });
  assert.equal(same.action, "unchanged");
  assert.equal((await kube.apply(configMap(ns.name, { a: "1" }))).action, "unchanged");
});

Deno.test("Kube.apply with dryRun is refused like the real apply: an invalid object fails with reason invalid", async () => {
  await using ns = await uniqueNamespace("dry-invalid");
  await assert.rejects(
    kube.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "Not_A_Name", namespace: ns.name },
      data: {},
    }, { dryRun: true }),
    (error: Error & { reason?: string }) => error.reason === "invalid",
  );
});
