/**
 * A namespace that is being deleted, against the real test cluster: the API
 * server's refusal (403 with the cause NamespaceTerminating) is classified
 * as such, not as RBAC, and `apply dev` says the namespace is going away
 * instead of asking for a Role. apply fails fast (exit 1) rather than wait:
 * what it applied would be deleted with the namespace.
 */
import assert from "node:assert/strict";
import { Kube } from "../mod.ts";
import { isNamespaceTerminating, PlatformError } from "../lib/errors.ts";
import { testCluster } from "./helpers/cluster.ts";
import { runCli } from "./helpers/cli.ts";

const cluster = await testCluster();
const kube = await Kube.connect({ kubeconfig: cluster.kubeconfigPath });
const FINALIZER = "platform.test/hold";

/** Creates namespace `name` holding a ConfigMap with a finalizer, then deletes the namespace. */
async function terminatingNamespace(name: string): Promise<void> {
  await kube.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
  await kube.create({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "held", namespace: name, finalizers: [FINALIZER] },
    data: { why: "keeps the namespace Terminating" },
  });
  await kube.delete({ apiVersion: "v1", kind: "Namespace", name });
}

/** Creates a ConfigMap in `namespace` as a server-side dry run; resolves to the error, if any. */
async function dryRunCreate(namespace: string): Promise<unknown> {
  try {
    await kube.request("POST", `/api/v1/namespaces/${namespace}/configmaps`, {
      query: { dryRun: "All" },
      body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "probe" } },
      about: { verb: "create", resource: "ConfigMap", namespace, name: "probe" },
    });
    return undefined;
  } catch (error) {
    return error;
  }
}

async function release(namespace: string): Promise<void> {
  await kube.mergePatch(
    { apiVersion: "v1", kind: "ConfigMap", name: "held", namespace },
    { metadata: { finalizers: null } },
  ).catch(() => {});
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (!await kube.get({ apiVersion: "v1", kind: "Namespace", name: namespace })) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

Deno.test("a namespace being deleted: apply dev says so, with no RBAC hint, and changes nothing", async () => {
  const user = `term-${crypto.randomUUID().slice(0, 6)}`;
  await terminatingNamespace(user);
  try {
    // The API server's own refusal is read as "namespace terminating", not as forbidden.
    // (Its admission sees the namespace's new phase within moments; ask until it does.)
    let refusal: unknown;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !isNamespaceTerminating(refusal)) {
      refusal = await dryRunCreate(user);
      if (!isNamespaceTerminating(refusal)) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(refusal instanceof PlatformError, String(refusal));
    assert.equal(refusal.status, 403);
    assert.equal(refusal.reason, "namespace-terminating");
    assert.match(refusal.message, new RegExp(`namespace ${user} is being deleted`));
    assert.doesNotMatch(`${refusal.message}\n${refusal.hint}`, /RBAC|auth can-i|Role/);

    const workdir = await Deno.makeTempDir({ prefix: "platform-terminating-" });
    try {
      const result = await runCli(
        ["apply", "dev", user, "--template", "manifests", "--no-session"],
        {
          env: { KUBECONFIG: cluster.kubeconfigPath, INGRESS_HOST: "127.0.0.1.nip.io" },
          cwd: workdir,
        },
      );
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`error: namespace ${user} is being deleted`));
      assert.match(result.stderr, /hint: wait until the namespace is gone/);
      assert.doesNotMatch(result.stderr, /auth can-i|RBAC|ask a cluster admin/);
    } finally {
      await Deno.remove(workdir, { recursive: true });
    }
    const deployment = await kube.get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "silly-demo",
      namespace: user,
    });
    assert.equal(deployment, undefined, "nothing was applied");
  } finally {
    await release(user);
  }
  assert.equal(
    await kube.get({ apiVersion: "v1", kind: "Namespace", name: user }),
    undefined,
    "the namespace is gone once the finalizer is removed",
  );
});
