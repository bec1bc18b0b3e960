/**
 * `Kube.listIfServed` against the real test cluster: an add-on's kind is
 * listed in one request when the cluster serves it under its usual plural,
 * found through discovery when its plural is another, and reported as not
 * served (undefined, not an error) when the cluster lacks it.
 */
import assert from "node:assert/strict";
import { describeResource, getResources, Kube } from "../mod.ts";
import { testCluster, uniqueNamespace } from "./helpers/cluster.ts";
import type { ResourceInfo } from "../lib/kube/client.ts";
import { discoveryCacheDir, writeDiscovery } from "../lib/kube/discovery_cache.ts";

const cluster = await testCluster();

/** A fresh connection per case, so discovery caches do not carry over. */
const connect = () => Kube.connect({ kubeconfig: cluster.kubeconfigPath });

/** The ConfigMap the list cases look for, by its label pick=me. */
const labelledConfigMap = (namespace: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "mine", namespace, labels: { pick: "me" } },
});

Deno.test("a served kind under its usual plural: one round trip (the list beside the discovery), its items", async () => {
  await using ns = await uniqueNamespace("list-served");
  const kube = await connect();
  await kube.apply(labelledConfigMap(ns.name));
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
  await kube.apply(labelledConfigMap(ns.name));
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

Deno.test("get resources keeps discovery on disk: the next run sends the check and the list, nothing else", async () => {
  await using ns = await uniqueNamespace("get-cached");
  const admin = await connect();
  await admin.apply({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "kept", namespace: ns.name },
  });
  const home = await Deno.makeTempDir({ prefix: "platform-cache-test-" });
  const env = { KUBECONFIG: cluster.kubeconfigPath, XDG_CACHE_HOME: `${home}/cache`, HOME: home };
  const run = async (type: string) => {
    const kube = await Kube.connect({ kubeconfig: cluster.kubeconfigPath, verify: "lazy" });
    const rows = await getResources(type, { env, cwd: home, namespace: ns.name, kube });
    return { names: rows.map((row) => row.name), requests: kube.requestCount };
  };
  const first = await run("configmaps");
  assert.ok(first.names.includes("kept"));
  assert.equal(first.requests, 4, "the check, /api, /apis and the list");
  const second = await run("cm");
  assert.deepEqual(second, { names: first.names, requests: 2 });
  // A type the cached answer does not know: the server is asked again (it may be new).
  await assert.rejects(run("widgets"), /has no resource type "widgets"/);
  const described = await describeResource("configmap", "kept", {
    env,
    cwd: home,
    namespace: ns.name,
  });
  assert.equal(described.name, "kept");
});

Deno.test("a type the cache remembers but the cluster no longer serves: asked again, told so", async () => {
  const home = await Deno.makeTempDir({ prefix: "platform-cache-test-" });
  const env = { KUBECONFIG: cluster.kubeconfigPath, XDG_CACHE_HOME: `${home}/cache`, HOME: home };
  const kube = await connect();
  const gone: ResourceInfo = {
    group: "widgets.platform.dev",
    version: "v1",
    apiVersion: "widgets.platform.dev/v1",
    kind: "Widget",
    plural: "widgets",
    singular: "widget",
    namespaced: true,
    shortNames: [],
    verbs: ["list"],
    categories: [],
  };
  await writeDiscovery(discoveryCacheDir(env)!, kube.server, [...await kube.allResources(), gone]);
  for (
    const verb of [
      () => getResources("widgets", { env, cwd: home }),
      () => describeResource("widget", "w", { env, cwd: home }),
    ]
  ) {
    await assert.rejects(verb(), /has no resource type "widget/);
  }
});
