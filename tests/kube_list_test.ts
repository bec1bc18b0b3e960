/**
 * `Kube.listIfServed` against the real test cluster: an add-on's kind is
 * listed in one request when the cluster serves it under its usual plural,
 * found through discovery when its plural is another, and reported as not
 * served (undefined, not an error) when the cluster lacks it.
 */
import assert from "node:assert/strict";
import { Kube } from "../mod.ts";
import { testCluster, uniqueNamespace } from "./helpers/cluster.ts";

const cluster = await testCluster();

/** A fresh connection per case, so discovery caches do not carry over. */
const connect = () => Kube.connect({ kubeconfig: cluster.kubeconfigPath });

Deno.test("a served kind under its usual plural: one request, its items with apiVersion and kind", async () => {
  await using ns = await uniqueNamespace("list-served");
  const kube = await connect();
  await kube.apply({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "mine", namespace: ns.name, labels: { pick: "me" } },
  });
  const before = kube.requestCount;
  const list = await kube.listIfServed("v1", "ConfigMap", "configmaps", {
    namespace: ns.name,
    labelSelector: "pick=me",
  });
  assert.equal(kube.requestCount - before, 1, "no discovery request before the list");
  assert.deepEqual(list?.items.map((item) => [item.apiVersion, item.kind, item.metadata.name]), [
    ["v1", "ConfigMap", "mine"],
  ]);
});

Deno.test("a served kind whose plural is not the usual one is still listed, through discovery", async () => {
  await using ns = await uniqueNamespace("list-plural");
  const kube = await connect();
  await kube.apply({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "mine", namespace: ns.name, labels: { pick: "me" } },
  });
  const list = await kube.listIfServed("v1", "ConfigMap", "configmapz", {
    namespace: ns.name,
    labelSelector: "pick=me",
  });
  assert.deepEqual(list?.items.map((item) => item.metadata.name), ["mine"]);
});

Deno.test("a kind the cluster does not serve is undefined, in a namespace or across all", async () => {
  await using ns = await uniqueNamespace("list-unserved");
  const kube = await connect();
  for (const namespace of [ns.name, undefined]) {
    assert.equal(
      await kube.listIfServed("widgets.platform.dev/v1", "Widget", "widgets", { namespace }),
      undefined,
    );
  }
});
