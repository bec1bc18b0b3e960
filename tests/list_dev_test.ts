/**
 * `list dev` against the real test cluster: the number of requests it sends
 * does not grow with the number of environments (one Lease list per call,
 * not one Lease GET per environment), and sessions still show on the rows.
 */
import assert from "node:assert/strict";
import { Kube, listDev, uninstallDev } from "../mod.ts";
import { devLabels } from "../lib/identity.ts";
import { acquireLease, releaseLease, thisHolder } from "../lib/session/lease.ts";
import { OKTETO_CLONE_LABEL, oktetoCloneName } from "../providers/sessions/okteto_swap.ts";
import { testCluster } from "./helpers/cluster.ts";

const cluster = await testCluster();
const admin = await Kube.connect({ kubeconfig: cluster.kubeconfigPath });
const workdir = await Deno.makeTempDir({ prefix: "platform-list-test-" });
const env = { KUBECONFIG: cluster.kubeconfigPath, INGRESS_HOST: "127.0.0.1.nip.io" };
const APP = "silly-demo";

/** An environment as apply dev leaves it (at 0 replicas: only its labels matter to list). */
async function environment(user: string): Promise<void> {
  await admin.apply({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: user, labels: devLabels(user, APP) },
  });
  await admin.apply({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: APP,
      namespace: user,
      labels: devLabels(user, APP),
      annotations: { "platform.dev/url": `http://${user}.test`, "platform.dev/template": "test" },
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: { "platform.dev/user": user } },
      template: {
        metadata: { labels: devLabels(user, APP) },
        spec: { containers: [{ name: APP, image: "example.invalid/app:1" }] },
      },
    },
  });
}

/** One `list dev` on a fresh connection: its rows and the requests it sent after connecting. */
async function listed() {
  const kube = await Kube.connect({ kubeconfig: cluster.kubeconfigPath });
  const before = kube.requestCount;
  const rows = await listDev({ env, cwd: workdir, kube });
  return { rows, requests: kube.requestCount - before };
}

Deno.test("list dev sends as many requests for six environments as for two, sessions included", async () => {
  const id = crypto.randomUUID().slice(0, 6);
  const users = Array.from({ length: 6 }, (_, i) => `lreq-${id}-${i}`);
  try {
    await Promise.all(users.slice(0, 2).map(environment));
    // A builtin session on the first (a live Lease of this process), okteto run by hand on the second.
    await acquireLease(admin, users[0], APP, thisHolder(users[0], "builtin"));
    await admin.apply({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: oktetoCloneName(APP),
        namespace: users[1],
        labels: { [OKTETO_CLONE_LABEL]: "uid" },
      },
      spec: {
        replicas: 0,
        selector: { matchLabels: { clone: "okteto" } },
        template: {
          metadata: { labels: { clone: "okteto" } },
          spec: { containers: [{ name: APP, image: "example.invalid/app:1" }] },
        },
      },
    });

    const two = await listed();
    const ours = (rows: typeof two.rows) =>
      rows.filter((row) => row.user.startsWith(`lreq-${id}-`)).sort((a, b) =>
        a.user.localeCompare(b.user)
      );
    assert.deepEqual(ours(two.rows).map((row) => row.user), users.slice(0, 2));
    assert.equal(ours(two.rows)[0].devSession?.driver, "builtin");
    assert.match(ours(two.rows)[0].session, new RegExp(`^builtin ${users[0]}@`));
    assert.equal(ours(two.rows)[1].devSession?.driver, "okteto");

    await Promise.all(users.slice(2).map(environment));
    const six = await listed();
    assert.deepEqual(ours(six.rows).map((row) => row.user), users);
    assert.deepEqual(ours(six.rows).slice(2).map((row) => row.session), ["", "", "", ""]);
    assert.equal(
      six.requests,
      two.requests,
      `list dev sent ${two.requests} requests for ${two.rows.length} environments ` +
        `and ${six.requests} for ${six.rows.length}`,
    );
    // Discovery, Deployments (and AppClaims where served), one Lease list, one clone list, and
    // the okteto driver's GET of the hand-run clone: a handful, whatever the cluster holds.
    assert.ok(two.requests <= 6, `list dev sent ${two.requests} requests`);
  } finally {
    await releaseLease(admin, users[0], APP).catch(() => {});
    for (const user of users) {
      await admin.delete({ apiVersion: "v1", kind: "Namespace", name: user });
    }
  }
});

Deno.test("uninstall dev of someone without a namespace: one request, nothing to delete", async () => {
  const kube = await Kube.connect({ kubeconfig: cluster.kubeconfigPath });
  const before = kube.requestCount;
  const user = `nobody-${crypto.randomUUID().slice(0, 6)}`;
  const result = await uninstallDev(user, { env, cwd: workdir, kube });
  assert.equal(result.result, "nothing to delete");
  assert.deepEqual([result.deleted, result.namespaceDeleted], [[], false]);
  assert.equal(kube.requestCount - before, 1, "the namespace's GET says it all");
});
