/** The compositions stand-in's pure parts: selection, what it composes, conditions. */
import assert from "node:assert/strict";
import {
  type Claim,
  composeComposite,
  composeObjects,
  compositeName,
  type Condition,
  isPaused,
  LABELS,
  mergeConditions,
  sameConditions,
  selectComposition,
  targetOf,
} from "../compositions/compose.ts";

function claim(parameters: Partial<Claim["spec"]["parameters"]> = {}, spec = {}): Claim {
  return {
    apiVersion: "devopstoolkit.live/v1alpha1",
    kind: "AppClaim",
    metadata: { name: "silly-demo", namespace: "alice", uid: "u-1", generation: 1 },
    spec: {
      id: "alice-silly-demo",
      compositionSelector: { matchLabels: { type: "backend", location: "local" } },
      parameters: { image: "ghcr.io/vfarcic/silly-demo", tag: "1.2.3", port: 8080, ...parameters },
      ...spec,
    },
  };
}

Deno.test("a claim selects app-backend by its labels or by name, and nothing else", () => {
  assert.deepEqual(selectComposition(claim()), { name: "app-backend" });
  assert.deepEqual(selectComposition(claim({}, { compositionSelector: undefined })), {
    name: "app-backend",
  });
  assert.deepEqual(selectComposition(claim({}, { compositionRef: { name: "app-backend" } })), {
    name: "app-backend",
  });
  const remote = selectComposition(
    claim({}, { compositionSelector: { matchLabels: { type: "backend", location: "remote" } } }),
  );
  assert.ok("error" in remote && /no Composition matches/.test(remote.error));
  const named = selectComposition(claim({}, { compositionRef: { name: "app-frontend" } }));
  assert.ok("error" in named && /"app-frontend" not found/.test(named.error));
});

Deno.test("the composite is named <claim>-<5 characters> and points back at its claim", () => {
  const name = compositeName(claim(), () => 0);
  assert.match(name, /^silly-demo-[a-z0-9]{5}$/);
  const xr = composeComposite(claim(), name, ["b", "a"]);
  assert.equal(xr.metadata.labels?.[LABELS.composite], name);
  assert.equal(xr.metadata.labels?.[LABELS.claimNamespace], "alice");
  assert.deepEqual(xr.spec.claimRef, {
    apiVersion: "devopstoolkit.live/v1alpha1",
    kind: "AppClaim",
    name: "silly-demo",
    namespace: "alice",
  });
  assert.deepEqual(xr.spec.resourceRefs.map((r: { name: string }) => r.name), ["a", "b"]);
});

Deno.test("the seed's composition: Objects <id>-deployment/-service/-ingress owned by the composite", () => {
  const objects = composeObjects(claim(), { name: "silly-demo-abcde", uid: "xr-uid" });
  assert.deepEqual(objects.map((o) => o.object.metadata.name), [
    "alice-silly-demo-deployment",
    "alice-silly-demo-service",
    "alice-silly-demo-ingress",
  ]);
  for (const { object } of objects) {
    assert.deepEqual(object.metadata.labels, {
      [LABELS.claimName]: "silly-demo",
      [LABELS.claimNamespace]: "alice",
      [LABELS.composite]: "silly-demo-abcde",
    });
    assert.equal(object.metadata.ownerReferences?.[0].uid, "xr-uid");
    assert.deepEqual(targetOf(object)?.namespace, "alice");
    assert.deepEqual(targetOf(object)?.name, "silly-demo");
  }
  const deployment = objects[0].object.spec.forProvider.manifest;
  assert.equal(deployment.spec.replicas, 1);
  assert.equal(deployment.spec.template.spec.containers[0].name, "main");
  assert.equal(
    deployment.spec.template.spec.containers[0].image,
    "ghcr.io/vfarcic/silly-demo:1.2.3",
  );
  assert.equal(deployment.spec.template.spec.containers[0].env, undefined);
  const ingress = objects[2].object.spec.forProvider.manifest;
  assert.equal(ingress.spec.rules[0].http.paths[0].backend.service.port.number, 8080);
  assert.equal(
    composeObjects(claim({ minReplicas: 3 }), { name: "x", uid: "y" })[0].object.spec.forProvider
      .manifest.spec.replicas,
    3,
  );
});

Deno.test("scaling adds an HPA and leaves replicas out; db adds an ExternalSecret and the DB_ env", () => {
  const objects = composeObjects(
    claim({
      scaling: { enabled: true, min: 2, max: 5 },
      db: { secret: "silly-demo-db", storeName: "local", name: "main" },
    }),
    { name: "x", uid: "y" },
  );
  assert.deepEqual(objects.map((o) => o.suffix), [
    "deployment",
    "service",
    "ingress",
    "hpa",
    "external-secret",
  ]);
  const [deployment, , , hpa, secret] = objects.map((o) => o.object.spec.forProvider.manifest);
  assert.equal(deployment.spec.replicas, undefined);
  assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [2, 5]);
  assert.equal(secret.metadata.name, "silly-demo-db");
  assert.equal(
    deployment.spec.template.spec.containers[0].env.find((e: { name: string }) =>
      e.name === "DB_NAME"
    ).value,
    "main",
  );
});

Deno.test("conditions keep their transition time while unchanged; the pause annotation is read", () => {
  const first = mergeConditions(
    undefined,
    [{ type: "Ready", status: "False", reason: "Creating" }],
    "t1",
  );
  const same = mergeConditions(
    first,
    [{ type: "Ready", status: "False", reason: "Creating" }],
    "t2",
  );
  assert.equal(same[0].lastTransitionTime, "t1");
  assert.ok(sameConditions(first, same));
  const flipped: Condition[] = mergeConditions(
    same,
    [{ type: "Ready", status: "True", reason: "Available" }],
    "t3",
  );
  assert.equal(flipped[0].lastTransitionTime, "t3");
  assert.ok(!sameConditions(same, flipped));
  assert.ok(isPaused({ metadata: { annotations: { "crossplane.io/paused": "true" } } }));
  assert.ok(!isPaused({ metadata: { annotations: { "crossplane.io/paused": "false" } } }));
});
