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

Deno.test("a served kind under its usual plural: one round trip (the list beside the discovery), its items", async () => {
  await using ns = await uniqueNamespace("list-served");
  const kube = await connect();
  await kube.apply({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "mine", namespace: ns.name, labels: { pick: "me" } },
  });
  const before = kube.requestCount;
  const listing = kube.listIfServed("v1", "ConfigMap", "configmaps", {
    namespace: ns.name,
    labelSelector: "pick=me",
  });
  assert.equal(kube.requestCount - before, 2, "the list and the discovery are both on their way");
  const list = await listing;
  assert.equal(kube.requestCount - before, 2, "and nothing after them");
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

Deno.test("allResources: every served kind in two requests (aggregated discovery), then from the cache", async () => {
  const kube = await connect();
  const before = kube.requestCount;
  const all = await kube.allResources();
  assert.equal(kube.requestCount - before, 2, "/api and /apis, nothing per group");
  const of = (kind: string) => {
    const found = all.find((resource) => resource.kind === kind);
    return found && {
      apiVersion: found.apiVersion,
      plural: found.plural,
      singular: found.singular,
      namespaced: found.namespaced,
      shortNames: found.shortNames,
    };
  };
  assert.deepEqual(of("Deployment"), {
    apiVersion: "apps/v1",
    plural: "deployments",
    singular: "deployment",
    namespaced: true,
    shortNames: ["deploy"],
  });
  assert.deepEqual(of("Namespace"), {
    apiVersion: "v1",
    plural: "namespaces",
    singular: "namespace",
    namespaced: false,
    shortNames: ["ns"],
  });
  assert.ok(!all.some((resource) => resource.plural.includes("/")), "no subresources");
  await kube.allResources();
  await kube.resourcesOf("apps/v1");
  assert.equal(kube.requestCount - before, 2, "both answered from the cache");
});
