import assert from "node:assert/strict";
import {
  devIdentity,
  parseYamlStream,
  PlatformError,
  renderParams,
  TEMPLATES,
  toYamlStream,
} from "../../mod.ts";
import { mergeSettings } from "../../lib/settings.ts";
import { loadClaimFile } from "../../templates/claim_file.ts";

const fixtures = new URL("../fixtures/templates/", import.meta.url).pathname;
const settings = mergeSettings({ baseDir: "/repo", dotenv: {}, env: {}, flags: {} });
const alice = devIdentity("alice", "silly-demo", { ingressHost: "127.0.0.1.nip.io" });

Deno.test("the AppClaim has the seed's shape, with db only when a secret is named", () => {
  const without = TEMPLATES.claim.render(renderParams(settings, alice, undefined));
  const [claim] = without.manifests;
  assert.equal(claim.apiVersion, "devopstoolkit.live/v1alpha1");
  assert.equal(claim.kind, "AppClaim");
  assert.equal(claim.metadata.namespace, "alice");
  assert.equal(claim.spec.id, "alice-silly-demo");
  assert.deepEqual(claim.spec.compositionSelector, {
    matchLabels: { type: "backend", location: "local" },
  });
  assert.deepEqual(claim.spec.parameters, {
    image: "ghcr.io/vfarcic/idp-full-demo",
    tag: "0.0.5",
    port: 8080,
    host: "alice.silly-demo.127.0.0.1.nip.io",
    ingressClassName: "contour",
  });
  const withDb =
    TEMPLATES.claim.render(renderParams(settings, alice, "silly-demo-db")).manifests[0];
  assert.deepEqual(withDb.spec.parameters.db, {
    secret: "silly-demo-db",
    storeName: "local",
    name: "main",
  });
  assert.equal(without.readiness, "condition-ready");
});

Deno.test("plain manifests: Deployment, Service and Ingress agree on selector, port and host", () => {
  const rendered = TEMPLATES.manifests.render(renderParams(settings, alice, undefined));
  assert.deepEqual(rendered.manifests.map((object) => object.kind), [
    "Deployment",
    "Service",
    "Ingress",
  ]);
  const [deployment, service, ingress] = rendered.manifests;
  assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);
  for (const [key, value] of Object.entries(deployment.spec.selector.matchLabels)) {
    assert.equal(deployment.spec.template.metadata.labels[key], value);
  }
  assert.equal(deployment.spec.template.spec.containers[0].ports[0].containerPort, 8080);
  assert.equal(ingress.spec.rules[0].host, "alice.silly-demo.127.0.0.1.nip.io");
  assert.equal(ingress.spec.rules[0].http.paths[0].backend.service.name, service.metadata.name);
  assert.equal(rendered.readiness, "deployment-available");
  for (const object of rendered.manifests) {
    assert.equal(object.metadata.labels?.["platform.dev/user"], "alice");
  }
});

Deno.test("plain manifests add an ExternalSecret and envFrom when --db is given", () => {
  const rendered = TEMPLATES.manifests.render(renderParams(settings, alice, "silly-demo-db"));
  const secret = rendered.manifests.find((object) => object.kind === "ExternalSecret")!;
  assert.equal(secret.spec.secretStoreRef.kind, "ClusterSecretStore");
  assert.deepEqual(secret.spec.dataFrom, [{ extract: { key: "silly-demo-db" } }]);
  const deployment = rendered.manifests.find((object) => object.kind === "Deployment")!;
  assert.equal(
    deployment.spec.template.spec.containers[0].envFrom[0].secretRef.name,
    secret.spec.target.name,
  );
});

Deno.test("a claim file is the template: per-user fields set in memory, the file left unchanged", async () => {
  const path = `${fixtures}app-dev-db.yaml`;
  const before = await Deno.readTextFile(path);
  const template = await loadClaimFile(path);
  const [claim] = template.render(renderParams(settings, alice, "alice-db")).manifests;
  assert.equal(claim.spec.id, "alice-silly-demo");
  assert.equal(claim.spec.parameters.host, "alice.silly-demo.127.0.0.1.nip.io");
  assert.equal(claim.spec.parameters.db.secret, "alice-db");
  assert.equal(claim.spec.parameters.db.storeName, "azure", "the file's own store is kept");
  assert.equal(claim.metadata.namespace, "alice");
  assert.equal(claim.metadata.labels?.team, "a-team", "the file's labels are kept");
  assert.equal(claim.metadata.labels?.["platform.dev/user"], "alice");
  assert.equal(await Deno.readTextFile(path), before);
});

Deno.test("a claim file's own image yields only to an explicit flag", async () => {
  const template = await loadClaimFile(`${fixtures}app-dev-db.yaml`);
  const flagged = { ...settings, image: "registry.example/app" };
  const kept = template.render(renderParams(flagged, alice, undefined)).manifests[0];
  assert.equal(kept.spec.parameters.image, "ghcr.io/vfarcic/idp-full-demo");
  const set =
    template.render(renderParams(flagged, alice, undefined, { image: true })).manifests[0];
  assert.equal(set.spec.parameters.image, "registry.example/app");
});

Deno.test("a claim file lacking a field to set is refused with the file and the path of the field", async () => {
  await assert.rejects(loadClaimFile(`${fixtures}no-host.yaml`), (error: unknown) => {
    assert.ok(error instanceof PlatformError);
    assert.match(error.message, /no-host\.yaml/);
    assert.match(error.message, /spec\.parameters\.host/);
    return true;
  });
});

Deno.test("a claim file that is not valid YAML is refused with the file and the position", async () => {
  await assert.rejects(
    loadClaimFile(`${fixtures}broken.yaml`),
    /broken\.yaml:\d+:\d+: not valid YAML/,
  );
});

Deno.test("rendered manifests round-trip through YAML 1.1", () => {
  const rendered = TEMPLATES.manifests.render(
    renderParams({ ...settings, tag: "on" }, alice, "db"),
  );
  const text = toYamlStream(rendered.manifests);
  assert.match(text, /image: ghcr.io\/vfarcic\/idp-full-demo:on/);
  assert.deepEqual(parseYamlStream(text, "out"), rendered.manifests);
  assert.match(toYamlStream([{ value: "on" }]), /"on"/, "YAML 1.1 booleans are quoted");
});
