/**
 * The claim path on the compositions stand-in (tests/compositions/), against
 * the real test cluster: an AppClaim is composed into a composite and
 * provider-kubernetes Objects with Crossplane's labels and owner references,
 * the Objects' manifests are applied and re-asserted (unless paused), the
 * claim turns Ready when its Deployment is Available, `apply dev --template
 * claim` waits for that, and deleting the claim takes everything it composed.
 * Prints claim-to-Ready beside the manifests template (no timed assertion
 * on those figures).
 */
import assert from "node:assert/strict";
import { Kube, parseYaml } from "../mod.ts";
import type { KubeObject } from "../lib/kube/types.ts";
import type { TreeNode } from "../lib/tree.ts";
import { kubectl, testCluster, uniqueNamespace, waitFor } from "./helpers/cluster.ts";
import { runCli } from "./helpers/cli.ts";
import { namespacedDeveloper } from "./helpers/rbac.ts";
import {
  CLAIM,
  COMPOSITE,
  compositions,
  LABELS,
  OBJECT,
  OBJECT_SUFFIXES,
  PAUSED_ANNOTATION,
  releaseCompositions,
} from "./helpers/compositions.ts";

const cluster = await testCluster();
const workdir = await Deno.makeTempDir({ prefix: "platform-compositions-test-" });
const env = { KUBECONFIG: cluster.kubeconfigPath, INGRESS_HOST: "127.0.0.1.nip.io" };
const suffix = crypto.randomUUID().slice(0, 6);
const APP = "silly-demo";

/** A client made after the stand-in is up, so its discovery sees the CRDs. */
let kubeClient: Kube | undefined;
async function kube(): Promise<Kube> {
  await compositions();
  kubeClient ??= await Kube.connect({ kubeconfig: cluster.kubeconfigPath });
  return kubeClient;
}

type Condition = {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
};
const condition = (object: KubeObject | undefined, type: string): Condition | undefined =>
  object?.status?.conditions?.find((c: Condition) => c.type === type);

const claimRef = (namespace: string) => ({ ...CLAIM, name: APP, namespace });
const deploymentRef = (namespace: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  name: APP,
  namespace,
});

/** The AppClaim the platform renders, with extra parameters. */
function claim(namespace: string, parameters: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: CLAIM.apiVersion,
    kind: CLAIM.kind,
    metadata: { name: APP, namespace },
    spec: {
      id: `${namespace}-${APP}`,
      compositionSelector: { matchLabels: { type: "backend", location: "local" } },
      parameters: {
        image: "ghcr.io/vfarcic/silly-demo",
        tag: "1.4.342",
        port: 8080,
        host: `${namespace}.${APP}.127.0.0.1.nip.io`,
        ingressClassName: "contour",
        ...parameters,
      },
    },
  };
}

/** The Objects composed for the claim `APP` in `namespace`, found by Crossplane's labels. */
async function objectsOf(namespace: string): Promise<KubeObject[]> {
  const { items } = await (await kube()).list(OBJECT.apiVersion, OBJECT.kind, {
    labelSelector: `${LABELS.claimName}=${APP},${LABELS.claimNamespace}=${namespace}`,
  });
  return items;
}

async function waitReady(namespace: string, timeoutMs = 30_000): Promise<KubeObject> {
  const k = await kube();
  return await waitFor(`AppClaim ${namespace}/${APP} to be Ready`, async () => {
    const current = await k.get(claimRef(namespace));
    return condition(current, "Ready")?.status === "True" ? current : undefined;
  }, { timeoutMs, intervalMs: 50 });
}

async function replicas(namespace: string): Promise<number | undefined> {
  return (await (await kube()).get(deploymentRef(namespace)))?.spec.replicas;
}

/** Scales the composed Deployment by hand, as a dev session would (the scale subresource). */
async function scaleByHand(namespace: string, to: number): Promise<void> {
  await kubectl(["scale", "-n", namespace, `deployment/${APP}`, `--replicas=${to}`]);
}

async function setPaused(namespace: string, paused: boolean): Promise<void> {
  await (await kube()).mergePatch(
    { ...OBJECT, name: `${namespace}-${APP}-${OBJECT_SUFFIXES.deployment}` },
    { metadata: { annotations: { [PAUSED_ANNOTATION]: paused ? "true" : null } } },
  );
}

/** Pauses the Object of the composed Deployment and waits until the stand-in says it saw it. */
async function pauseDeploymentObject(namespace: string): Promise<void> {
  await setPaused(namespace, true);
  const name = `${namespace}-${APP}-${OBJECT_SUFFIXES.deployment}`;
  await waitFor("the paused Object to say so", async () => {
    const object = await (await kube()).get({ ...OBJECT, name });
    return condition(object, "Synced")?.reason === "ReconcilePaused";
  });
}

Deno.test("a claim is composed: a composite, Objects with Crossplane's labels and owner references, and the Deployment, Service and Ingress they apply", async () => {
  const k = await kube();
  await using ns = await uniqueNamespace("claim");
  const id = `${ns.name}-${APP}`;
  const applied = performance.now();
  await k.apply(claim(ns.name));
  const ready = await waitReady(ns.name);
  console.log(`claim applied → Ready in ${(performance.now() - applied).toFixed(0)} ms`);
  assert.equal(condition(ready, "Synced")?.status, "True");
  assert.equal(condition(ready, "Ready")?.observedGeneration, ready.metadata.generation);
  assert.equal(ready.spec.compositionRef.name, "app-backend");
  assert.equal(ready.spec.resourceRef.kind, COMPOSITE.kind);
  const xrName: string = ready.spec.resourceRef.name;
  assert.match(xrName, new RegExp(`^${APP}-[a-z0-9]{5}$`));

  const xr = await k.get({ ...COMPOSITE, name: xrName });
  assert.ok(xr, `composite ${xrName} exists`);
  assert.deepEqual(xr.spec.claimRef, {
    apiVersion: CLAIM.apiVersion,
    kind: CLAIM.kind,
    name: APP,
    namespace: ns.name,
  });
  assert.equal(xr.metadata.labels?.[LABELS.composite], xrName);

  const objects = await objectsOf(ns.name);
  assert.deepEqual(objects.map((o) => o.metadata.name).sort(), [
    `${id}-deployment`,
    `${id}-ingress`,
    `${id}-service`,
  ]);
  assert.deepEqual(
    xr.spec.resourceRefs.map((ref: { name: string }) => ref.name),
    objects.map((o) => o.metadata.name).sort(),
  );
  for (const object of objects) {
    assert.deepEqual(
      [LABELS.claimName, LABELS.claimNamespace, LABELS.composite].map((label) =>
        object.metadata.labels?.[label]
      ),
      [APP, ns.name, xrName],
    );
    assert.deepEqual(object.metadata.ownerReferences, [{
      apiVersion: COMPOSITE.apiVersion,
      kind: COMPOSITE.kind,
      name: xrName,
      uid: xr.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    }]);
    assert.ok(object.metadata.finalizers?.includes("finalizer.managedresource.crossplane.io"));
    const synced = await waitFor(`Object ${object.metadata.name} Synced`, async () => {
      const current = await k.get({ ...OBJECT, name: object.metadata.name! });
      return condition(current, "Synced")?.status === "True" ? current : undefined;
    });
    assert.equal(condition(synced, "Ready")?.status, "True");
  }

  const deployment = await k.get(deploymentRef(ns.name));
  assert.ok(deployment, "the composed Deployment is named after the claim, in its namespace");
  assert.equal(deployment.metadata.labels?.["app.kubernetes.io/name"], APP);
  assert.equal(deployment.spec.replicas, 1);
  assert.deepEqual(deployment.spec.selector.matchLabels, { "app.kubernetes.io/name": APP });
  assert.equal(deployment.spec.template.spec.containers[0].name, "main");
  assert.equal(
    deployment.spec.template.spec.containers[0].image,
    "ghcr.io/vfarcic/silly-demo:1.4.342",
  );
  assert.ok(
    deployment.metadata.managedFields.some((f: { manager: string }) =>
      f.manager === `provider-kubernetes/${id}-deployment`
    ),
    "applied by the Object's own field manager, as provider-kubernetes does in SSA mode",
  );
  const service = await k.get({ apiVersion: "v1", kind: "Service", name: APP, namespace: ns.name });
  assert.deepEqual(service?.spec.selector, { "app.kubernetes.io/name": APP });
  assert.equal(service?.metadata.labels?.["app.kubernetes.io/name"], APP);
  const ingress = await k.get({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    name: APP,
    namespace: ns.name,
  });
  assert.equal(ingress?.spec.rules[0].host, `${ns.name}.${APP}.127.0.0.1.nip.io`);
  assert.equal(ingress?.spec.rules[0].http.paths[0].backend.service.name, APP);
  assert.equal(ingress?.metadata.labels?.["app.kubernetes.io/name"], APP);
});

Deno.test("drift is undone within a poll: scaling the composed Deployment to 0 by hand comes back to 1; with its Object paused it stays at 0 until unpaused", async () => {
  await using ns = await uniqueNamespace("drift");
  const k = await kube();
  await k.apply(claim(ns.name));
  await waitReady(ns.name);

  const scaled = performance.now();
  await scaleByHand(ns.name, 0);
  await waitFor("the Deployment back at 1 replica", async () => await replicas(ns.name) === 1, {
    timeoutMs: 3000,
    intervalMs: 50,
  });
  const undoneMs = performance.now() - scaled;
  console.log(`scaled to 0 by hand: back at 1 replica after ${undoneMs.toFixed(0)} ms`);

  await pauseDeploymentObject(ns.name);
  await scaleByHand(ns.name, 0);
  const watchedUntil = Date.now() + 3500; // three polls and more
  while (Date.now() < watchedUntil) {
    assert.equal(await replicas(ns.name), 0, "a paused Object's target is left alone");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const claimWhilePaused = await k.get(claimRef(ns.name));
  assert.equal(
    condition(claimWhilePaused, "Synced")?.status,
    "True",
    "pausing a composed Object leaves the claim Synced, as in Crossplane",
  );

  const unpaused = performance.now();
  await setPaused(ns.name, false);
  await waitFor(
    "the Deployment back at 1 replica after unpausing",
    async () => await replicas(ns.name) === 1,
    { timeoutMs: 3000, intervalMs: 50 },
  );
  console.log(`unpaused: back at 1 replica after ${(performance.now() - unpaused).toFixed(0)} ms`);
});

Deno.test("the claim is Ready only once its Deployment is Available", async () => {
  await using ns = await uniqueNamespace("avail");
  const k = await kube();
  // No pods may be created yet: the Deployment exists but cannot become Available.
  await k.apply({
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: { name: "no-pods", namespace: ns.name },
    spec: { hard: { pods: "0" } },
  });
  await k.apply(claim(ns.name));
  const waiting = await waitFor("the claim to report the Deployment unavailable", async () => {
    const current = await k.get(claimRef(ns.name));
    return condition(current, "Ready")?.reason === "Unavailable" ? current : undefined;
  });
  assert.equal(condition(waiting, "Ready")?.status, "False");
  assert.match(
    condition(waiting, "Ready")?.message ?? "",
    new RegExp(`Deployment ${ns.name}/${APP} is not Available`),
  );
  assert.equal(condition(waiting, "Synced")?.status, "True", "applied, just not available");
  const deployment = await k.get(deploymentRef(ns.name));
  assert.notEqual(condition(deployment, "Available")?.status, "True");

  await k.delete({ apiVersion: "v1", kind: "ResourceQuota", name: "no-pods", namespace: ns.name });
  await waitReady(ns.name, 60_000);
  const available = await k.get(deploymentRef(ns.name));
  assert.equal(
    condition(available, "Available")?.status,
    "True",
    "Ready came with the Deployment's Available",
  );
});

Deno.test("db adds an ExternalSecret Object and scaling an HPA Object (the manifest then leaves replicas to it)", async () => {
  await using ns = await uniqueNamespace("extras");
  const k = await kube();
  await k.apply(claim(ns.name, {
    db: { secret: "silly-demo-db", storeName: "local", name: "main" },
    scaling: { enabled: true, min: 2, max: 4 },
  }));
  const id = `${ns.name}-${APP}`;
  const objects = await waitFor("five Objects", async () => {
    const found = await objectsOf(ns.name);
    return found.length === 5 ? found : undefined;
  });
  const byName = new Map(objects.map((o) => [o.metadata.name, o]));
  const secretManifest = byName.get(`${id}-external-secret`)?.spec.forProvider.manifest;
  assert.equal(secretManifest?.kind, "ExternalSecret");
  assert.equal(secretManifest?.metadata.name, "silly-demo-db");
  assert.deepEqual(secretManifest?.spec.secretStoreRef, {
    kind: "ClusterSecretStore",
    name: "local",
  });
  const hpaManifest = byName.get(`${id}-hpa`)?.spec.forProvider.manifest;
  assert.deepEqual(
    [
      hpaManifest?.spec.minReplicas,
      hpaManifest?.spec.maxReplicas,
      hpaManifest?.spec.scaleTargetRef.name,
    ],
    [2, 4, APP],
  );
  const deploymentManifest = byName.get(`${id}-deployment`)?.spec.forProvider.manifest;
  assert.equal(deploymentManifest?.spec.replicas, undefined, "with scaling, the HPA owns replicas");
  assert.deepEqual(
    deploymentManifest?.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name),
    ["DB_ENDPOINT", "DB_PASSWORD", "DB_PORT", "DB_USERNAME", "DB_NAME"],
  );
  await waitFor("the HPA", () =>
    k.get({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      name: APP,
      namespace: ns.name,
    }));

  // Ready follows the Deployment; Synced says whether every manifest could be applied,
  // and this cluster may or may not serve ExternalSecret.
  const ready = await waitReady(ns.name);
  const servesExternalSecrets = (await k.resourcesOf("external-secrets.io/v1"))?.some((r) =>
    r.kind === "ExternalSecret"
  );
  const synced = await waitFor("Synced to settle", async () => {
    const current = await k.get(claimRef(ns.name));
    const c = condition(current, "Synced");
    return c && (c.status === "True") === Boolean(servesExternalSecrets) ? c : undefined;
  });
  if (!servesExternalSecrets) {
    assert.match(
      synced.message ?? "",
      new RegExp(`Object ${id}-external-secret: .*ExternalSecret`),
    );
  }
  assert.equal(condition(ready, "Ready")?.status, "True");

  // describe shows all five Objects; a target whose kind the cluster does not serve says so.
  const described = await runCli(
    ["describe", "resource", "appclaim", APP, "-n", ns.name, "-o", "json"],
    { env, cwd: workdir },
  );
  assert.equal(described.code, 0, described.stderr);
  const targets = new Map(
    (JSON.parse(described.stdout).tree as TreeNode).children[0].children.map((
      object,
    ) => [object.name, object.children[0]]),
  );
  assert.deepEqual(
    [...targets.keys()],
    ["deployment", "external-secret", "hpa", "ingress", "service"].map((s) => `${id}-${s}`),
  );
  assert.equal(targets.get(`${id}-hpa`)?.kind, "HorizontalPodAutoscaler");
  assert.equal(targets.get(`${id}-hpa`)?.ready, "True");
  const secret = targets.get(`${id}-external-secret`);
  assert.deepEqual([secret?.kind, secret?.name], ["ExternalSecret", "silly-demo-db"]);
  if (!servesExternalSecrets) assert.equal(secret?.note, "its kind is not served");
});

Deno.test("deleting the claim deletes its composite, its Objects and their targets", async () => {
  await using ns = await uniqueNamespace("delete");
  const k = await kube();
  await k.apply(claim(ns.name));
  const ready = await waitReady(ns.name);
  const xrName = ready.spec.resourceRef.name;
  const started = performance.now();
  await k.delete(claimRef(ns.name));
  await waitFor("the composite, Objects, Deployment, Service and Ingress to be gone", async () => {
    const left = [
      await k.get({ ...COMPOSITE, name: xrName }),
      ...await objectsOf(ns.name),
      await k.get(deploymentRef(ns.name)),
      await k.get({ apiVersion: "v1", kind: "Service", name: APP, namespace: ns.name }),
      await k.get({
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        name: APP,
        namespace: ns.name,
      }),
    ].filter(Boolean);
    return left.length === 0;
  });
  console.log(
    `claim deleted: composite, Objects and targets gone after ${
      (performance.now() - started).toFixed(0)
    } ms`,
  );
});

/** `apply dev <user> --template claim` through the CLI, as `env` (default: the admin). */
async function applyClaim(user: string, as = env): Promise<void> {
  const applied = await runCli(
    ["apply", "dev", user, "--template", "claim", "--no-session", "--timeout", "60"],
    { env: as, cwd: workdir },
  );
  assert.equal(applied.code, 0, applied.stderr);
}

/** What a test left: the claim's namespace once what it composed is gone. */
async function removeNamespace(user: string): Promise<void> {
  const k = await kube();
  await waitFor(
    `what ${user}'s claim composed to be gone`,
    async () => (await objectsOf(user)).length === 0 && !(await k.get(deploymentRef(user))),
    { timeoutMs: 30_000 },
  );
  await k.delete({ apiVersion: "v1", kind: "Namespace", name: user });
}

type Node = TreeNode;

/** A tree without its notes (messages may be worded differently by a later stand-in). */
const shape = ({ note: _note, ...node }: Node): Omit<Node, "note"> => ({
  ...node,
  children: node.children.map(shape) as Node[],
});

Deno.test("status dev and describe resource appclaim show the tree claim → composite → Objects (synced, ready, paused) → Deployment, Service, Ingress: the same data in JSON, YAML and the table", async () => {
  const k = await kube();
  const user = `tree-${suffix}`;
  const id = `${user}-${APP}`;
  await applyClaim(user);
  try {
    // The stand-in writes the claim's, the composite's and each Object's conditions one after
    // another: the tree is read once all of them say Ready and Synced.
    const settled = (object: KubeObject | undefined) =>
      ["Ready", "Synced"].every((type) => condition(object, type)?.status === "True");
    const stored = await waitFor(
      "the claim, its composite and its Objects Ready and Synced",
      async () => {
        const current = await k.get(claimRef(user));
        const composite = current?.spec.resourceRef &&
          await k.get({ ...COMPOSITE, name: current.spec.resourceRef.name });
        const objects = await objectsOf(user);
        return settled(current) && settled(composite) && objects.length === 3 &&
            objects.every(settled)
          ? current
          : undefined;
      },
    );
    const xrName: string = stored.spec.resourceRef.name;
    const status = await runCli(["status", "dev", user, "-o", "json"], { env, cwd: workdir });
    assert.equal(status.code, 0, status.stderr);
    const tree: Node = JSON.parse(status.stdout).composition;
    const object = (suffix: string, kind: string): Node => ({
      kind: "Object",
      name: `${id}-${suffix}`,
      ready: "True",
      synced: "True",
      children: [{ kind, name: APP, namespace: user, ready: "True", children: [] }],
    });
    assert.deepEqual(shape(tree), {
      kind: CLAIM.kind,
      name: APP,
      namespace: user,
      ready: "True",
      synced: "True",
      children: [{
        kind: COMPOSITE.kind,
        name: xrName,
        ready: "True",
        synced: "True",
        children: [
          object("deployment", "Deployment"),
          object("ingress", "Ingress"),
          object("service", "Service"),
        ],
      }],
    });
    assert.equal(tree.children[0].children[0].children[0].note, "1/1 available");

    const yaml = await runCli(["status", "dev", user, "-o", "yaml"], { env, cwd: workdir });
    assert.equal(yaml.code, 0, yaml.stderr);
    const fromYaml = parseYaml(yaml.stdout, "status -o yaml") as { composition: Node };
    assert.deepEqual(fromYaml.composition, tree, "YAML carries the same records as JSON");
    const described = await runCli(
      ["describe", "resource", "appclaim", APP, "-n", user, "-o", "json"],
      { env, cwd: workdir },
    );
    assert.equal(described.code, 0, described.stderr);
    assert.deepEqual(JSON.parse(described.stdout).tree, tree, "describe shows the same tree");

    const table = await runCli(["status", "dev", user], { env, cwd: workdir, isTerminal: true });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^composition:$/m);
    assert.match(table.stdout, /^ {2}AppClaim\/silly-demo \(ready: True, synced: True\)$/m);
    assert.match(
      table.stdout,
      new RegExp(`^ {4}App/${xrName} \\(ready: True, synced: True\\)$`, "m"),
    );
    assert.match(
      table.stdout,
      new RegExp(`^ {6}Object/${id}-deployment \\(ready: True, synced: True\\)$`, "m"),
    );
    assert.match(table.stdout, /^ {8}Deployment\/silly-demo \(ready: True\) — 1\/1 available$/m);
    assert.match(table.stdout, /^ {8}Ingress\/silly-demo \(ready: True\)$/m);

    // Paused by hand: the tree says so, on that Object alone.
    await pauseDeploymentObject(user);
    const pausedStatus = await runCli(["status", "dev", user, "-o", "json"], {
      env,
      cwd: workdir,
    });
    assert.equal(pausedStatus.code, 0, pausedStatus.stderr);
    const objects: Node[] = JSON.parse(pausedStatus.stdout).composition.children[0].children;
    assert.deepEqual(
      objects.map((node) => [node.name, node.paused ?? false, node.synced]),
      [
        [`${id}-deployment`, true, "False"],
        [`${id}-ingress`, false, "True"],
        [`${id}-service`, false, "True"],
      ],
    );
    const pausedTable = await runCli(["describe", "resource", "appclaim", APP, "-n", user], {
      env,
      cwd: workdir,
      isTerminal: true,
    });
    assert.match(
      pausedTable.stdout,
      new RegExp(`^ {6}Object/${id}-deployment \\(ready: True, synced: False, paused\\)`, "m"),
    );
    await setPaused(user, false);
  } finally {
    await runCli(["uninstall", "dev", user], { env, cwd: workdir });
    if (await k.get({ apiVersion: "v1", kind: "Namespace", name: user })) {
      await removeNamespace(user);
    }
  }
});

Deno.test("a developer who may not list cluster-scoped Objects nor read the composite still gets status and describe of their claim, which say what they could not show; uninstall says what it does not await", async () => {
  const k = await kube();
  const user = `treerbac-${suffix}`;
  const kubeconfig = await namespacedDeveloper(k, user, [{
    apiGroups: [CLAIM.apiVersion.split("/")[0]],
    resources: ["appclaims"],
    verbs: ["get", "list", "watch", "delete"],
  }]);
  const developer = { ...env, KUBECONFIG: kubeconfig };
  try {
    await applyClaim(user); // as the admin: the developer may not create claims here
    await waitReady(user);
    const status = await runCli(["status", "dev", user, "-o", "json"], {
      env: developer,
      cwd: workdir,
    });
    assert.equal(status.code, 0, status.stderr);
    const record = JSON.parse(status.stdout);
    assert.equal(record.ready, true);
    const tree: Node = record.composition;
    assert.deepEqual([tree.kind, tree.name, tree.children], [CLAIM.kind, APP, []]);
    assert.match(
      tree.note ?? "",
      new RegExp(`not allowed to read its composite ${COMPOSITE.kind} `),
    );
    assert.match(
      tree.note ?? "",
      /not allowed to list Objects of kubernetes\.crossplane\.io\/v1alpha2 \(cluster-scoped\)/,
    );
    const described = await runCli(
      ["describe", "resource", "appclaim", APP, "-n", user, "-o", "json"],
      { env: developer, cwd: workdir },
    );
    assert.equal(described.code, 0, described.stderr);
    assert.deepEqual(JSON.parse(described.stdout).tree, tree);

    const removed = await runCli(["uninstall", "dev", user], { env: developer, cwd: workdir });
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(
      removed.stderr,
      /not allowed to list Objects of kubernetes\.crossplane\.io\/v1alpha2 \(cluster-scoped\): what AppClaim \S+ composed there is not awaited/,
    );
    assert.equal(await k.get(claimRef(user)), undefined);
  } finally {
    await k.delete(claimRef(user));
    await removeNamespace(user);
  }
});

Deno.test("platform apply dev --template claim waits for the stand-in's Ready; uninstall dev returns once the claim, its composite, its Objects and their Deployment, Service and Ingress are gone", async () => {
  const k = await kube();
  const user = `claimer-${suffix}`;
  const applied = await runCli(
    ["apply", "dev", user, "--template", "claim", "--no-session", "--timeout", "60"],
    { env, cwd: workdir },
  );
  assert.equal(applied.code, 0, applied.stderr);
  const record = JSON.parse(applied.stdout);
  assert.equal(record.template, "claim");
  assert.equal(record.ready, true);
  const stored = await k.get(claimRef(user));
  assert.equal(condition(stored, "Ready")?.status, "True");
  const xrName: string = stored?.spec.resourceRef.name;
  const deployment = await k.get(deploymentRef(user));
  assert.equal(condition(deployment, "Available")?.status, "True");
  assert.equal((await objectsOf(user)).length, 3);

  const removed = await runCli(["uninstall", "dev", user], { env, cwd: workdir });
  // Right after it returns, nothing composed is left: no polling here.
  const left = [
    await k.get(claimRef(user)),
    await k.get({ ...COMPOSITE, name: xrName }),
    ...await objectsOf(user),
    await k.get(deploymentRef(user)),
    await k.get({ apiVersion: "v1", kind: "Service", name: APP, namespace: user }),
    await k.get({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      name: APP,
      namespace: user,
    }),
  ].filter(Boolean).map((object) => `${object!.kind}/${object!.metadata.name}`);
  assert.equal(removed.code, 0, removed.stderr);
  assert.deepEqual(left, [], "nothing composed is left once uninstall dev returns");
  const result = JSON.parse(removed.stdout);
  assert.deepEqual(result.deleted.map((o: { kind: string }) => o.kind), [CLAIM.kind]);
  assert.deepEqual(
    result.composed.map((o: { kind: string; name: string }) => `${o.kind}/${o.name}`),
    [
      `${COMPOSITE.kind}/${xrName}`,
      `Object/${user}-${APP}-deployment`,
      `Object/${user}-${APP}-ingress`,
      `Object/${user}-${APP}-service`,
      `Deployment/${APP}`,
      `Ingress/${APP}`,
      `Service/${APP}`,
    ],
  );
  assert.match(
    removed.stderr,
    new RegExp(
      `waiting up to 120 s \\(--timeout\\) for the 7 objects AppClaim ${user}/${APP} composed to be deleted`,
    ),
  );
  assert.match(removed.stderr, new RegExp(`✓ what AppClaim ${user}/${APP} composed is gone`));
  // With nothing composed left, the namespace apply dev made goes too.
  assert.equal(result.namespaceDeleted, true, removed.stderr);
  assert.equal(await k.get({ apiVersion: "v1", kind: "Namespace", name: user }), undefined);
});

Deno.test("uninstall dev waits no longer than --timeout for what the claim composed and names what is left: a paused Object keeps itself and its Deployment", async () => {
  const k = await kube();
  const user = `stuck-${suffix}`;
  const id = `${user}-${APP}`;
  await applyClaim(user);
  try {
    await pauseDeploymentObject(user);
    const removed = await runCli(["uninstall", "dev", user, "--timeout", "3"], {
      env,
      cwd: workdir,
    });
    assert.equal(removed.code, 1, removed.stderr);
    assert.match(
      removed.stderr,
      new RegExp(
        `timed out after 3 s waiting for what AppClaim ${user}/${APP} composed to be deleted; ` +
          `still there: .*Object ${id}-deployment \\(paused\\)`,
      ),
    );
    assert.match(removed.stderr, new RegExp(`Deployment ${user}/${APP}`));
    assert.match(removed.stderr, /hint: a paused Object is deleted only once unpaused/);
    assert.ok(await k.get(deploymentRef(user)), "the paused Object's Deployment is still there");
  } finally {
    await setPaused(user, false).catch(() => undefined);
    await removeNamespace(user);
  }
});

Deno.test("figures: apply dev to Ready, claim on the stand-in beside plain manifests (printed, not asserted)", async () => {
  await kube();
  const rounds = 3;
  const times: Record<"claim" | "manifests", number[]> = { claim: [], manifests: [] };
  const users: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const template of ["claim", "manifests"] as const) {
      const user = `fig-${template === "claim" ? "c" : "m"}${round}-${suffix}`;
      users.push(user);
      const started = performance.now();
      const result = await runCli(
        ["apply", "dev", user, "--template", template, "--no-session", "--timeout", "60"],
        { env, cwd: workdir },
      );
      times[template].push(performance.now() - started);
      assert.equal(result.code, 0, result.stderr);
    }
  }
  const median = (values: number[]) => values.toSorted((a, b) => a - b)[values.length >> 1];
  for (const template of ["claim", "manifests"] as const) {
    console.log(
      `apply dev --template ${template} to Ready: median ${
        median(times[template]).toFixed(0)
      } ms (${times[template].map((t) => t.toFixed(0)).join(", ")} ms)`,
    );
  }
  await Promise.all(users.map((user) => runCli(["uninstall", "dev", user], { env, cwd: workdir })));
  const k = await kube();
  await Promise.all(
    users.map((user) => k.delete({ apiVersion: "v1", kind: "Namespace", name: user })),
  );
});

Deno.test("cleanup: release the stand-in (it deletes its CRDs when nothing else holds it)", async () => {
  const gone = await releaseCompositions();
  console.log(
    gone
      ? "compositions stand-in released and gone"
      : "compositions stand-in released; another process still holds it",
  );
  await Deno.remove(workdir, { recursive: true });
});
