/** What fights a session on a Deployment, read from its owners and field managers. */
import assert from "node:assert/strict";
import { fightersOf, pausedBy } from "../../lib/session/composition.ts";
import type { KubeObject } from "../../lib/kube/types.ts";

const managed = (manager: string, fields: Record<string, unknown> = { "f:spec": {} }) => ({
  manager,
  operation: "Apply",
  fieldsType: "FieldsV1",
  fieldsV1: fields,
});

function deployment(metadata: Partial<KubeObject["metadata"]>): KubeObject {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "app", ...metadata } };
}

Deno.test("platform's own managers, kubectl and the HPA's controller do not fight a session", () => {
  const ours = deployment({
    managedFields: [
      managed("platform"),
      managed("kubectl"),
      managed("kube-controller-manager"),
      managed("platform-session"),
    ],
  });
  assert.deepEqual(fightersOf(ours, false), []);
});

Deno.test("GitOps controllers and an owning controller fight it; provider-kubernetes only when its Objects are not paused", () => {
  const gitops = deployment({
    managedFields: [managed("argocd-controller"), managed("kustomize-controller")],
  });
  assert.deepEqual(fightersOf(gitops, true), [
    "the field manager argocd-controller",
    "the field manager kustomize-controller",
  ]);
  const composed = deployment({
    managedFields: [managed("provider-kubernetes/alice-app-deployment")],
  });
  assert.deepEqual(fightersOf(composed, false), [
    "the field manager provider-kubernetes/alice-app-deployment",
  ]);
  assert.deepEqual(fightersOf(composed, true), [], "its Objects are found and paused");
  const owned = deployment({
    ownerReferences: [
      { apiVersion: "x.dev/v1", kind: "Rollout", name: "app", uid: "1", controller: true },
      { apiVersion: "v1", kind: "ConfigMap", name: "keep", uid: "2" },
    ],
  });
  assert.deepEqual(fightersOf(owned, true), ["its controller Rollout app"]);
});

Deno.test("a reconciler that manages only metadata (labels, annotations) does not fight a session", () => {
  const labelsOnly = deployment({
    managedFields: [managed("argocd-controller", { "f:metadata": { "f:labels": {} } })],
  });
  assert.deepEqual(fightersOf(labelsOnly, false), []);
});

Deno.test("pausedBy matches the session's namespace and app, not another's", () => {
  const object: KubeObject = {
    apiVersion: "kubernetes.crossplane.io/v1alpha2",
    kind: "Object",
    metadata: {
      name: "alice-app-deployment",
      labels: { "platform.dev/paused-namespace": "alice", "platform.dev/paused-app": "app" },
    },
  };
  assert.equal(pausedBy(object, "alice", "app"), true);
  assert.equal(pausedBy(object, "bob", "app"), false);
  assert.equal(pausedBy(object, "alice", "other"), false);
  assert.equal(pausedBy(undefined, "alice", "app"), false);
});
