import assert from "node:assert/strict";
import {
  installSteps,
  type Outcome,
  removalSteps,
  type SetupAction,
} from "../../lib/setup/action.ts";
import { platformActions } from "../../lib/setup/action_list.ts";
import { releaseInstall } from "../../lib/setup/actions/helm_release.ts";
import { setupNamespaces } from "../../lib/setup/actions/namespaces.ts";
import { COMPONENTS } from "../../lib/setup/components.ts";
import { setupContext, type SetupOptions } from "../../lib/setup/context.ts";
import { deletionSubject, destroy } from "../../lib/setup/destroy.ts";
import { SETUP_LABELS } from "../../lib/setup/labels.ts";
import { objectRemoval, releaseRemoval, removedDetail } from "../../lib/setup/ownership.ts";
import type { KubeObject } from "../../lib/kube/types.ts";

const outcome = (): Promise<Outcome> => Promise.resolve({ changed: false, detail: "" });
const half = { plan: () => ({ detail: "" }), run: outcome };

/** An action with a removal unless `remove` is false. */
function action(name: string, options: Partial<SetupAction> & { removeOff?: boolean } = {}) {
  const { removeOff, ...rest } = options;
  return { name, install: half, ...(!removeOff && { remove: half }), ...rest } as SetupAction;
}

const names = (steps: { name: string }[]) => steps.map((step) => step.name);

Deno.test("actions: setup walks the list forward, destroy backwards, passing by what makes nothing", () => {
  const actions = [
    action("cluster", { remove: { ...half, withoutCluster: true } }),
    action("release"),
    action("address", { check: true, removeOff: true }),
    action("env-file", { remove: { ...half, withoutCluster: true } }),
  ];
  const install = installSteps(actions);
  assert.deepEqual(names(install), ["cluster", "release", "address", "env-file"]);
  assert.deepEqual(install.map((step) => Boolean(step.check)), [false, false, true, false]);
  assert.deepEqual(names(removalSteps(actions, { clusterExists: true })), [
    "env-file",
    "release",
    "cluster",
  ]);
  assert.deepEqual(
    names(removalSteps(actions, { clusterExists: false })),
    ["env-file", "cluster"],
    "with no cluster, only what needs none",
  );
});

const options = (extra: SetupOptions = {}): SetupOptions => ({
  cwd: "/w",
  env: { PLATFORM_HELM: "/bin/helm", HOME: "/h" },
  ...extra,
});

/** Destroy's order with every component: setup's, backwards, without the ingress-address check. */
const REMOVAL_ORDER = [
  "env-file",
  "staging-app",
  "namespaces",
  "atlas-operator",
  "secret-store",
  "external-secrets",
  "crossplane-configurations",
  "crossplane",
  "contour",
  "cluster",
];

Deno.test("actions: each component is its release, then what follows it; the rest around them", async () => {
  const actions = platformActions(await setupContext(options()));
  assert.deepEqual(names(actions), [
    "cluster",
    "contour",
    "crossplane",
    "crossplane-configurations",
    "external-secrets",
    "secret-store",
    "atlas-operator",
    "namespaces",
    "ingress-address",
    "staging-app",
    "env-file",
  ]);
  assert.deepEqual(
    names(removalSteps(actions, { clusterExists: true })),
    REMOVAL_ORDER,
    "what follows a release goes before it: the store before the CRDs it is made of",
  );
  const none = platformActions(await setupContext(options({ components: [], ingress: "nginx" })));
  assert.deepEqual(names(none).slice(0, 3), ["cluster", "ingress-nginx", "namespaces"]);
  const only = platformActions(await setupContext(options({ components: ["external-secrets"] })));
  assert.ok(names(only).includes("secret-store") && !names(only).includes("crossplane"));
});

Deno.test("actions: a component's follow-ups come from its own file, not from setup", () => {
  const followed = COMPONENTS.filter((component) => component.afterRelease).map((c) => c.name);
  assert.deepEqual(followed, ["crossplane", "external-secrets"]);
});

Deno.test("actions: a destroy plan lists every removal, the preflight first, and touches nothing", async () => {
  const records = await destroy(options({ provider: "existing", dryRun: true }));
  assert.deepEqual(records.map((record) => record.step), ["preflight", ...REMOVAL_ORDER]);
  const cluster = records.at(-1)!;
  assert.match(cluster.detail, /^keep the cluster of \/h\/\.kube\/config \(existing\)$/);
  assert.deepEqual(cluster.commands, []);
  const contour = records.find((record) => record.step === "contour")!;
  assert.match(contour.detail, /only if setup installed it/);
  assert.deepEqual(contour.commands?.[0].slice(0, 3), ["/bin/helm", "uninstall", "contour"]);
});

Deno.test("destroy names what it deletes from what the provider declares, not from its name", async () => {
  assert.equal(
    deletionSubject(await setupContext(options({ provider: "existing" }))),
    "what platform setup installed in the cluster of /h/.kube/config",
  );
  assert.equal(
    deletionSubject(await setupContext(options({ provider: "kind", clusterName: "dot" }))),
    "the kind cluster dot",
  );
});

const object = (labels?: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name: "alice", ...(labels && { labels }) },
});

Deno.test("ownership: destroy removes an object only when setup's label is on it", () => {
  assert.equal(objectRemoval(object(SETUP_LABELS)), "remove");
  assert.equal(objectRemoval(object({ team: "payments" })), "keep", "someone else's");
  assert.equal(
    objectRemoval(object({ "app.kubernetes.io/managed-by": "platform" })),
    "keep",
    "made by apply dev, not by setup",
  );
  assert.equal(objectRemoval(undefined), "absent");
});

Deno.test("ownership: a release goes only with setup's marker; a release without one is kept", () => {
  const marker = object(SETUP_LABELS);
  assert.equal(releaseRemoval(true, marker), "remove");
  assert.equal(releaseRemoval(true, undefined), "keep", "installed by someone else");
  assert.equal(
    releaseRemoval(true, object({ team: "x" })),
    "keep",
    "a marker-named ConfigMap of theirs",
  );
  assert.equal(releaseRemoval(false, marker), "absent", "already uninstalled by hand");
});

Deno.test("ownership: setup installs or upgrades only its own release, never someone else's", () => {
  const contour = COMPONENTS[0];
  const deployed = (chart: string) => ({ name: "contour", chart, status: "deployed" });
  assert.equal(releaseInstall(undefined, false, contour), "install");
  assert.equal(releaseInstall(deployed("contour-20.0.3"), true, contour), "current");
  assert.equal(
    releaseInstall(deployed("contour-19.0.0"), true, contour),
    "install",
    "ours: upgraded",
  );
  assert.equal(
    releaseInstall(deployed("contour-21.0.0"), false, contour),
    "keep",
    "theirs: never downgraded",
  );
  assert.equal(releaseInstall(deployed("contour-20.0.3"), false, contour), "keep");
});

Deno.test("ownership: a removal's detail says what went and what was kept", () => {
  assert.equal(removedDetail(["bob", "staging"], []), "bob, staging deleted");
  assert.equal(
    removedDetail(["crossplane-app"], ["crossplane-sql"]),
    "crossplane-app deleted; kept (not made by setup): crossplane-sql",
  );
  assert.equal(removedDetail([], []), "none left");
  assert.deepEqual(setupNamespaces(["alice", "staging", "bob"]), ["alice", "bob", "staging"]);
});
