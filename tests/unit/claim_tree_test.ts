/**
 * The pure parts of a claim's tree: which objects are claims or composites,
 * the selector of what they composed, an Object's target, the nodes and
 * their lines for the table view.
 */
import assert from "node:assert/strict";
import type { KubeObject } from "../../lib/kube/types.ts";
import {
  composedSelector,
  compositionRole,
  isPaused,
  targetOf,
} from "../../lib/crossplane/objects.ts";
import { targetNode } from "../../lib/crossplane/tree.ts";
import { nodeOf, treeLines, type TreeNode } from "../../lib/tree.ts";

const condition = (type: string, status: string, extra: Record<string, string> = {}) => ({
  type,
  status,
  ...extra,
});

function object(
  kind: string,
  name: string,
  rest: Partial<KubeObject> & { namespace?: string } = {},
): KubeObject {
  const { namespace, metadata, ...fields } = rest;
  return {
    apiVersion: "example.test/v1",
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}), ...metadata },
    ...fields,
  };
}

Deno.test("a claim is namespaced and names its composition or composite; a composite lists what it composed", () => {
  const claim = object("AppClaim", "silly-demo", {
    namespace: "alice",
    spec: { compositionSelector: { matchLabels: { type: "backend" } } },
  });
  assert.equal(compositionRole(claim), "claim", "not composed yet, still a claim");
  assert.equal(
    compositionRole({ ...claim, spec: { resourceRef: { kind: "App", name: "silly-demo-x" } } }),
    "claim",
  );
  assert.equal(
    compositionRole(object("App", "silly-demo-x", { spec: { resourceRefs: [], claimRef: {} } })),
    "composite",
  );
  assert.equal(
    compositionRole(object("XApp", "a", { namespace: "alice", spec: { crossplane: {} } })),
    "composite",
    "a Crossplane v2 namespaced composite",
  );
  assert.equal(
    compositionRole(object("Deployment", "d", { namespace: "alice", spec: { replicas: 1 } })),
    undefined,
  );
});

Deno.test("what a claim composed is selected by Crossplane's claim labels; a composite's by its own label", () => {
  assert.equal(
    composedSelector({ claim: "silly-demo", namespace: "alice" }),
    "crossplane.io/claim-name=silly-demo,crossplane.io/claim-namespace=alice",
  );
  assert.equal(
    composedSelector({ composite: "silly-demo-x7k2p" }),
    "crossplane.io/composite=silly-demo-x7k2p",
  );
});

Deno.test("an Object's target comes from its manifest; a manifest without namespace applies beside a namespaced Object", () => {
  const manifest = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "silly-demo", namespace: "alice" },
  };
  assert.deepEqual(targetOf(object("Object", "o", { spec: { forProvider: { manifest } } })), {
    apiVersion: "apps/v1",
    kind: "Deployment",
    name: "silly-demo",
    namespace: "alice",
  });
  const bare = { ...manifest, metadata: { name: "silly-demo" } };
  assert.equal(
    targetOf(object("Object", "o", { namespace: "bob", spec: { forProvider: { manifest: bare } } }))
      ?.namespace,
    "bob",
  );
  assert.equal(
    targetOf(object("Object", "o", { spec: { forProvider: { manifest: bare } } }))?.namespace,
    undefined,
    "a cluster-scoped target",
  );
  assert.equal(targetOf(object("Object", "o", { spec: { forProvider: {} } })), undefined);
});

Deno.test("a node carries Ready, Synced and the pause, and the message of what is not True", () => {
  const paused = object("Object", "alice-silly-demo-deployment", {
    metadata: { annotations: { "crossplane.io/paused": "true" } },
    status: {
      conditions: [
        condition("Ready", "True"),
        condition("Synced", "False", { reason: "ReconcilePaused" }),
      ],
    },
  });
  assert.ok(isPaused(paused));
  assert.deepEqual(nodeOf(paused), {
    kind: "Object",
    name: "alice-silly-demo-deployment",
    ready: "True",
    synced: "False",
    paused: true,
    note: "ReconcilePaused",
    children: [],
  });
  const failing = nodeOf(object("AppClaim", "silly-demo", {
    namespace: "alice",
    status: {
      conditions: [
        condition("Synced", "True"),
        condition("Ready", "False", {
          reason: "Unavailable",
          message: "Deployment alice/silly-demo is not Available",
        }),
      ],
    },
  }));
  assert.equal(failing.note, "Deployment alice/silly-demo is not Available");
  assert.equal(failing.namespace, "alice");
  assert.equal(failing.paused, undefined);
  const plain = nodeOf(object("Service", "silly-demo", { namespace: "alice" }));
  assert.equal(plain.ready, "");
  assert.equal("synced" in plain, false, "no Synced key on what reports none");
});

Deno.test("a target is ready when it exists, a Deployment when rolled out and Available, a missing one is said", () => {
  const ref = { apiVersion: "apps/v1", kind: "Deployment", name: "silly-demo", namespace: "alice" };
  const available = targetNode(ref, {
    ...ref,
    metadata: { name: "silly-demo", namespace: "alice", generation: 2 },
    spec: { replicas: 1 },
    status: {
      observedGeneration: 2,
      availableReplicas: 1,
      updatedReplicas: 1,
      conditions: [condition("Available", "True")],
    },
  });
  assert.deepEqual(
    [available.ready, available.note],
    ["True", "1/1 available"],
  );
  const rolling = targetNode(ref, {
    ...ref,
    metadata: { name: "silly-demo", namespace: "alice", generation: 3 },
    spec: { replicas: 1 },
    status: { observedGeneration: 2, conditions: [condition("Available", "True")] },
  });
  assert.equal(rolling.ready, "False", "a generation not yet rolled out is not ready");
  assert.match(rolling.note ?? "", /generation not yet observed/);
  const service = { apiVersion: "v1", kind: "Service", name: "silly-demo", namespace: "alice" };
  assert.equal(targetNode(service, { ...service, metadata: { name: "silly-demo" } }).ready, "True");
  assert.deepEqual(targetNode(service, undefined), {
    kind: "Service",
    name: "silly-demo",
    namespace: "alice",
    ready: "False",
    note: "missing",
    children: [],
  });
});

Deno.test("the table view indents two spaces a level and shows ready, synced, paused and the note", () => {
  const leaf = (kind: string, name: string, extra: Partial<TreeNode> = {}): TreeNode => ({
    kind,
    name,
    ready: "True",
    children: [],
    ...extra,
  });
  const tree = leaf("AppClaim", "silly-demo", {
    synced: "True",
    children: [
      leaf("App", "silly-demo-x7k2p", {
        synced: "True",
        note:
          "not allowed to list Objects of kubernetes.m.crossplane.io/v1alpha1 in namespace alice",
        children: [
          leaf("Object", "alice-silly-demo-deployment", {
            synced: "False",
            paused: true,
            note: "ReconcilePaused",
            children: [leaf("Deployment", "silly-demo", { note: "1/1 available" })],
          }),
          leaf("Object", "alice-silly-demo-service", {
            synced: "True",
            children: [leaf("Service", "silly-demo")],
          }),
        ],
      }),
    ],
  });
  assert.deepEqual(treeLines(tree), [
    "AppClaim/silly-demo (ready: True, synced: True)",
    "  App/silly-demo-x7k2p (ready: True, synced: True) — not allowed to list Objects of " +
    "kubernetes.m.crossplane.io/v1alpha1 in namespace alice",
    "    Object/alice-silly-demo-deployment (ready: True, synced: False, paused) — ReconcilePaused",
    "      Deployment/silly-demo (ready: True) — 1/1 available",
    "    Object/alice-silly-demo-service (ready: True, synced: True)",
    "      Service/silly-demo (ready: True)",
  ]);
  assert.deepEqual(treeLines(leaf("Pod", "p", { ready: "" })), ["Pod/p"]);
});
