/**
 * apply / uninstall / list / status dev, get and describe, against the real
 * test cluster (kwok with a real API server, controller-manager, scheduler).
 */
import assert from "node:assert/strict";
import { Kube } from "../mod.ts";
import { testCluster } from "./helpers/cluster.ts";
import { runCli, writeKubeconfig } from "./helpers/cli.ts";

const cluster = await testCluster();
const kube = await Kube.connect({ kubeconfig: cluster.kubeconfigPath });
const workdir = await Deno.makeTempDir({ prefix: "platform-dev-test-" });
const env = { KUBECONFIG: cluster.kubeconfigPath, INGRESS_HOST: "127.0.0.1.nip.io" };
const suffix = crypto.randomUUID().slice(0, 6);
const alice = `alice-${suffix}`;
const bob = `bob-${suffix}`;

/** Runs the CLI against the test cluster from an empty directory (no platform.yaml, no .env). */
function platform(...args: string[]) {
  return runCli(args, { env, cwd: workdir });
}

function json<T = Record<string, unknown>>(
  result: { code: number; stdout: string; stderr: string },
): T {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as T;
}

Deno.test("apply dev gives two users side by side their own namespace, names, host and labels", async () => {
  const [a, b] = await Promise.all([
    platform("apply", "dev", alice, "--template", "manifests", "--no-session"),
    platform("apply", "dev", bob, "--template", "manifests", "--no-session"),
  ]).then((results) => results.map((result) => json(result)));
  assert.equal(a.url, `http://${alice}.silly-demo.127.0.0.1.nip.io`);
  assert.equal(b.url, `http://${bob}.silly-demo.127.0.0.1.nip.io`);
  assert.equal(a.ready, true);
  assert.equal(a.result, "created");

  for (const user of [alice, bob]) {
    const deployment = await kube.get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "silly-demo",
      namespace: user,
    });
    assert.ok(deployment, `${user}'s Deployment exists in namespace ${user}`);
    assert.equal(deployment.metadata.labels?.["platform.dev/user"], user);
    assert.equal(deployment.metadata.labels?.["app.kubernetes.io/instance"], `${user}-silly-demo`);
    const available = deployment.status.conditions.find((c: { type: string }) =>
      c.type === "Available"
    );
    assert.equal(available.status, "True");

    const service = await kube.get({
      apiVersion: "v1",
      kind: "Service",
      name: "silly-demo",
      namespace: user,
    });
    for (const [key, value] of Object.entries(service!.spec.selector)) {
      assert.equal(
        deployment.spec.template.metadata.labels[key],
        value,
        "the Service selects the Deployment's pods",
      );
    }
    const pods = await kube.list("v1", "Pod", {
      namespace: user,
      labelSelector: Object.entries(service!.spec.selector).map(([k, v]) => `${k}=${v}`).join(","),
    });
    assert.equal(pods.items.length, 1, "the Service's selector matches exactly the running pod");

    const ingress = await kube.get({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      name: "silly-demo",
      namespace: user,
    });
    assert.equal(ingress!.spec.rules[0].host, `${user}.silly-demo.127.0.0.1.nip.io`);
    assert.equal(ingress!.spec.rules[0].http.paths[0].backend.service.name, service!.metadata.name);
  }
});

Deno.test("a second identical apply reports unchanged and changes no resourceVersion", async () => {
  const refs = [
    { apiVersion: "apps/v1", kind: "Deployment", name: "silly-demo", namespace: alice },
    { apiVersion: "v1", kind: "Service", name: "silly-demo", namespace: alice },
    { apiVersion: "networking.k8s.io/v1", kind: "Ingress", name: "silly-demo", namespace: alice },
  ];
  const before = await Promise.all(refs.map((ref) => kube.get(ref)));
  const again = json<{ result: string; objects: { action: string }[] }>(
    await platform("apply", "dev", alice, "--template", "manifests", "--no-session"),
  );
  assert.equal(again.result, "unchanged");
  assert.ok(again.objects.every((object) => object.action === "unchanged"));
  const after = await Promise.all(refs.map((ref) => kube.get(ref)));
  assert.deepEqual(
    after.map((object) => object!.metadata.resourceVersion),
    before.map((object) => object!.metadata.resourceVersion),
  );
});

Deno.test("list dev shows every environment as JSON and as a table", async () => {
  const rows = json<
    { user: string; namespace: string; app: string; url: string; ready: boolean }[]
  >(
    await platform("list", "dev"),
  );
  const mine = rows.filter((row) => row.user === alice || row.user === bob);
  assert.deepEqual(mine.map((row) => row.user).sort(), [alice, bob]);
  assert.ok(
    mine.every((row) => row.ready && row.app === "silly-demo" && row.namespace === row.user),
  );
  const table = await runCli(["list", "dev"], { env, cwd: workdir, isTerminal: true });
  assert.match(table.stdout, /^USER\s+NAMESPACE\s+APP\s+URL\s+READY\s+AGE\s+SESSION$/m);
  assert.match(
    table.stdout,
    new RegExp(
      `^${alice}\\s+${alice}\\s+silly-demo\\s+http://${alice}\\.silly-demo\\.127\\.0\\.0\\.1\\.nip\\.io\\s+yes`,
      "m",
    ),
  );
});

Deno.test("status dev shows readiness, conditions and the environment's objects", async () => {
  const status = json<{
    ready: boolean;
    workload: string;
    conditions: { type: string; status: string }[];
    objects: { kind: string; name: string }[];
  }>(await platform("status", "dev", alice));
  assert.equal(status.ready, true);
  assert.equal(status.workload, "Deployment/silly-demo");
  assert.ok(status.conditions.some((c) => c.type === "Available" && c.status === "True"));
  assert.deepEqual(status.objects.map((object) => object.kind).sort(), [
    "Deployment",
    "Ingress",
    "Service",
  ]);
  const table = await runCli(["status", "dev", alice], { env, cwd: workdir, isTerminal: true });
  assert.match(table.stdout, /^ready:\s+yes$/m);
  const missing = await platform("status", "dev", `nobody-${suffix}`);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /has no dev environment/);
});

Deno.test("describe resource shows conditions and the tree Deployment → ReplicaSet → Pod", async () => {
  const description = json<{
    kind: string;
    conditions: { type: string }[];
    tree: { kind: string; children: { kind: string; children: { kind: string }[] }[] };
  }>(await platform("describe", "resource", "deployment", "silly-demo", "-n", alice));
  assert.equal(description.kind, "Deployment");
  assert.ok(description.conditions.some((c) => c.type === "Available"));
  assert.equal(description.tree.children[0].kind, "ReplicaSet");
  assert.equal(description.tree.children[0].children[0].kind, "Pod");
  const table = await runCli(["describe", "resource", "deploy", "silly-demo", "-n", alice], {
    env,
    cwd: workdir,
    isTerminal: true,
  });
  assert.match(table.stdout, /^\s+Deployment\/silly-demo/m);
  assert.match(table.stdout, /^\s+ {4}Pod\/silly-demo-/m);
});

Deno.test("uninstall dev removes everything it created and leaves other users' environments alone", async () => {
  const result = json<{ deleted: { kind: string }[]; namespaceDeleted: boolean }>(
    await platform("uninstall", "dev", bob),
  );
  assert.deepEqual(result.deleted.map((object) => object.kind).sort(), [
    "Deployment",
    "Ingress",
    "Service",
  ]);
  assert.equal(
    result.namespaceDeleted,
    true,
    "apply dev created the namespace, so uninstall removes it",
  );
  for (
    const kind of [["apps/v1", "Deployment"], ["v1", "Service"], [
      "networking.k8s.io/v1",
      "Ingress",
    ]]
  ) {
    assert.equal(
      await kube.get({ apiVersion: kind[0], kind: kind[1], name: "silly-demo", namespace: bob }),
      undefined,
    );
  }
  const ns = await kube.get({ apiVersion: "v1", kind: "Namespace", name: bob });
  assert.ok(!ns || ns.metadata.deletionTimestamp, "bob's namespace is gone or going");
  const deployment = await kube.get({
    apiVersion: "apps/v1",
    kind: "Deployment",
    name: "silly-demo",
    namespace: alice,
  });
  assert.ok(deployment, "alice's environment is untouched");
  const again = json<{ result: string }>(await platform("uninstall", "dev", bob));
  assert.equal(again.result, "nothing to delete", "uninstall twice is fine");
});

Deno.test("forbidden by RBAC: the error names the verb, the resource and the namespace", async () => {
  const namespace = alice;
  const sa = `limited-${suffix}`;
  await kube.apply({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: sa, namespace } });
  await kube.apply({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: sa, namespace },
    rules: [{
      apiGroups: ["", "apps", "networking.k8s.io", "coordination.k8s.io"],
      resources: ["*"],
      verbs: ["get", "list", "watch"],
    }],
  });
  await kube.apply({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: sa, namespace },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: sa },
    subjects: [{ kind: "ServiceAccount", name: sa, namespace }],
  });
  await kube.apply({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: `ns-reader-${suffix}` },
    rules: [{ apiGroups: [""], resources: ["namespaces"], verbs: ["get"] }],
  });
  await kube.apply({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: `ns-reader-${suffix}` },
    roleRef: {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: `ns-reader-${suffix}`,
    },
    subjects: [{ kind: "ServiceAccount", name: sa, namespace }],
  });
  const token = await kube.request<{ status: { token: string } }>(
    "POST",
    `/api/v1/namespaces/${namespace}/serviceaccounts/${sa}/token`,
    {
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: 600 },
      },
    },
  );
  const { config } = await kube.clientNode();
  const cluster = config.getCurrentCluster()!;
  const limited = await writeKubeconfig(cluster.server, {
    token: token.status.token,
    caData: cluster.caData ?? btoa(await Deno.readTextFile(cluster.caFile!)),
  });
  try {
    const result = await runCli(
      [
        "apply",
        "dev",
        alice,
        "--template",
        "manifests",
        "--no-session",
        "--kubeconfig",
        limited,
        "--tag",
        "other",
      ],
      { env: { INGRESS_HOST: "127.0.0.1.nip.io" }, cwd: workdir },
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(`forbidden: patch on Deployment silly-demo in namespace ${namespace}`),
    );
    assert.match(
      result.stderr,
      /hint: ask a cluster admin .*kubectl auth can-i patch Deployment -n/,
    );
    const deployment = await kube.get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "silly-demo",
      namespace,
    });
    assert.notEqual(
      deployment!.spec.template.spec.containers[0].image.split(":")[1],
      "other",
      "nothing was applied",
    );
  } finally {
    await kube.delete({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      name: `ns-reader-${suffix}`,
    });
    await kube.delete({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      name: `ns-reader-${suffix}`,
    });
  }
});

Deno.test("the AppClaim path: the claim is stored with the seed's fields, and apply waits for Ready", async () => {
  const crd = (await import("../lib/yaml.ts")).parseYaml(
    await Deno.readTextFile(new URL("./fixtures/crds/appclaim.yaml", import.meta.url)),
    "appclaim.yaml",
  ) as Parameters<typeof kube.apply>[0];
  await kube.apply(crd);
  const crdRef = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    name: "appclaims.devopstoolkit.live",
  };
  const claimUser = `carol-${suffix}`;
  try {
    await waitUntil(async () => {
      const served = await kube.get(crdRef);
      return served?.status?.conditions?.some((c: { type: string; status: string }) =>
        c.type === "Established" && c.status === "True"
      );
    });
    // Play Crossplane: mark the claim Ready once it appears, so apply's watch has something to see.
    const claimRef = {
      apiVersion: "devopstoolkit.live/v1alpha1",
      kind: "AppClaim",
      name: "silly-demo",
      namespace: claimUser,
    };
    const fresh = await Kube.connect({ kubeconfig: cluster.kubeconfigPath });
    const crossplane = (async () => {
      await waitUntil(async () => Boolean(await fresh.get(claimRef)));
      const claim = await fresh.get(claimRef);
      await fresh.request("PATCH", `${await fresh.pathOf(claimRef)}/status`, {
        body: {
          status: {
            conditions: [{
              type: "Ready",
              status: "True",
              reason: "Available",
              lastTransitionTime: new Date().toISOString(),
              observedGeneration: claim!.metadata.generation,
            }],
          },
        },
        contentType: "application/merge-patch+json",
      });
    })();
    const applied = json<{ template: string; ready: boolean }>(
      await platform(
        "apply",
        "dev",
        claimUser,
        "--db",
        "silly-demo-db",
        "--no-session",
        "--timeout",
        "60",
      ),
    );
    await crossplane;
    assert.equal(applied.template, "claim", "auto picks the AppClaim when the cluster serves it");
    assert.equal(applied.ready, true);
    const stored = await kube.get(claimRef);
    assert.equal(stored!.spec.id, `${claimUser}-silly-demo`);
    assert.deepEqual(stored!.spec.compositionSelector, {
      matchLabels: { type: "backend", location: "local" },
    });
    assert.equal(stored!.spec.parameters.host, `${claimUser}.silly-demo.127.0.0.1.nip.io`);
    assert.deepEqual(stored!.spec.parameters.db, {
      secret: "silly-demo-db",
      storeName: "local",
      name: "main",
    });

    const types = json<{ name: string; kind: string; group: string }[]>(
      await platform("get", "resource-types"),
    );
    assert.ok(
      types.some((type) => type.kind === "AppClaim" && type.group === "devopstoolkit.live"),
    );
    const claims = json<{ name: string; ready: string }[]>(
      await platform("get", "resources", "appclaims", "-n", claimUser),
    );
    assert.deepEqual(claims.map((claim) => [claim.name, claim.ready]), [["silly-demo", "True"]]);
    const listed = json<{ user: string; url: string }[]>(
      await platform("list", "dev", "--user", claimUser),
    );
    assert.equal(listed[0].url, `http://${claimUser}.silly-demo.127.0.0.1.nip.io`);

    // A claim nobody makes Ready: the timeout names what it waited for, what it saw, and where to look.
    const stuck = `dave-${suffix}`;
    const timedOut = await platform("apply", "dev", stuck, "--no-session", "--timeout", "3");
    assert.equal(timedOut.code, 1);
    assert.match(
      timedOut.stderr,
      new RegExp(
        `timed out after 3 s waiting for AppClaim ${stuck}/silly-demo to be Ready; last seen: no Ready condition yet`,
      ),
    );
    assert.match(
      timedOut.stderr,
      new RegExp(`hint: look further with: platform status dev ${stuck}`),
    );
    json(await platform("uninstall", "dev", stuck));

    const removed = json<{ deleted: { kind: string }[] }>(
      await platform("uninstall", "dev", claimUser),
    );
    assert.deepEqual(removed.deleted.map((object) => object.kind), ["AppClaim"]);
  } finally {
    await kube.delete(crdRef);
    await waitUntil(async () => !(await kube.get(crdRef)));
  }
});

Deno.test("cleanup: uninstall the remaining environment", async () => {
  json(await platform("uninstall", "dev", alice));
  await Deno.remove(workdir, { recursive: true });
});

async function waitUntil(condition: () => Promise<unknown>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
