import assert from "node:assert/strict";
import { COMPONENT_NAMES, COMPONENTS, INGRESS_CLASSES, type PlatformError } from "../../mod.ts";
import { chartArgs, selectComponents, valuesFor } from "../../lib/setup/components.ts";
import { installArgv, isPinned, uninstallArgv } from "../../lib/setup/helm.ts";

const names = (list: { name: string }[]) => list.map((component) => component.name);

Deno.test("components: one ingress controller by class, then the rest in the table's order", () => {
  assert.deepEqual(INGRESS_CLASSES, ["contour", "nginx", "traefik"]);
  assert.deepEqual(COMPONENT_NAMES, ["crossplane", "external-secrets", "atlas-operator"]);
  assert.deepEqual(names(selectComponents("contour")), [
    "contour",
    "crossplane",
    "external-secrets",
    "atlas-operator",
  ]);
  assert.deepEqual(names(selectComponents("traefik", ["atlas-operator"])), [
    "traefik",
    "atlas-operator",
  ]);
  assert.deepEqual(names(selectComponents("nginx", [])), ["ingress-nginx"]);
});

Deno.test("components: an unknown component or ingress class is a usage error naming the choices", () => {
  assert.throws(
    () => selectComponents("contour", ["crossplane", "argocd", "vault"]),
    (error: PlatformError) =>
      error.exitCode === 2 && /unknown components argocd, vault/.test(error.message) &&
      /crossplane, external-secrets, atlas-operator/.test(error.hint ?? ""),
  );
  assert.throws(
    () => selectComponents("haproxy"),
    (error: PlatformError) => error.exitCode === 2 && /contour, nginx, traefik/.test(error.hint!),
  );
});

Deno.test("components: every version is pinned and every component says what its own wait covers", () => {
  for (const component of COMPONENTS) {
    assert.match(component.version, /^\d+\.\d+\.\d+$/, component.name);
    assert.ok(component.ready.deployments.length > 0, `${component.name} waits for something`);
  }
});

Deno.test("ingress values: a load balancer on clouds, host ports where there is none", () => {
  const [contour] = selectComponents("contour");
  assert.deepEqual(valuesFor(contour, true), { "envoy.service.type": "LoadBalancer" });
  assert.deepEqual(valuesFor(contour, false), {
    "envoy.service.type": "NodePort",
    "envoy.useHostPort.http": "true",
    "envoy.useHostPort.https": "true",
  });
  const externalSecrets = COMPONENTS.find((component) => component.name === "external-secrets")!;
  assert.deepEqual(valuesFor(externalSecrets, false), { installCRDs: "true" });
});

Deno.test("helm argv: upgrade --install at the pinned version, waiting, argv only", () => {
  const crossplane = COMPONENTS.find((component) => component.name === "crossplane")!;
  const target = { helm: "helm", kubeconfig: "/k.yaml", kubeContext: "admin" };
  assert.deepEqual(installArgv(target, crossplane, { values: { "a.b": "c d" } }), [
    "helm",
    "upgrade",
    "--install",
    "crossplane",
    "crossplane",
    "--repo",
    "https://charts.crossplane.io/stable",
    "--version",
    "1.20.0",
    "--namespace",
    "crossplane-system",
    "--create-namespace",
    "--wait",
    "--timeout",
    "10m",
    "--kubeconfig",
    "/k.yaml",
    "--kube-context",
    "admin",
    "--set",
    "a.b=c d",
  ]);
  const local = installArgv({ helm: "helm", kubeconfig: "/k.yaml" }, crossplane, {
    chartsDir: "/charts",
  });
  assert.deepEqual(local.slice(3, 7), ["crossplane", "/charts/crossplane", "--version", "1.20.0"]);
  assert.deepEqual(chartArgs(COMPONENTS.find((c) => c.name === "atlas-operator")!), [
    "oci://ghcr.io/ariga/charts/atlas-operator",
  ]);
  assert.deepEqual(uninstallArgv({ helm: "helm", kubeconfig: "/k.yaml" }, crossplane), [
    "helm",
    "uninstall",
    "crossplane",
    "--namespace",
    "crossplane-system",
    "--wait",
    "--timeout",
    "10m",
    "--kubeconfig",
    "/k.yaml",
  ]);
});

Deno.test("helm: a release counts as done only when deployed at the pinned chart version", () => {
  const atlas = COMPONENTS.find((component) => component.name === "atlas-operator")!;
  const release = (chart: string, status = "deployed") => ({
    name: "atlas-operator",
    chart,
    status,
  });
  assert.ok(isPinned(release("atlas-operator-0.7.11"), atlas));
  assert.ok(!isPinned(release("atlas-operator-0.7.10"), atlas), "another version is upgraded");
  assert.ok(
    !isPinned(release("atlas-operator-0.7.11", "failed"), atlas),
    "a failed one is retried",
  );
  assert.ok(!isPinned(undefined, atlas));
});
