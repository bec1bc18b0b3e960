import assert from "node:assert/strict";
import { PROVIDER_NAMES, providerNamed, PROVIDERS, silentReporter } from "../../mod.ts";
import { kindConfiguration } from "../../providers/clusters/kind.ts";
import { localCluster } from "../../providers/clusters/kwok.ts";
import { kwokctlConfiguration } from "../../providers/clusters/kwok/kwokctl.ts";
import { formatCommand, planArgv } from "../../providers/clusters/plan_runner.ts";
import type { ProviderContext } from "../../providers/clusters/provider.ts";
import { DEFAULT_PROVIDER, findProvider } from "../../providers/clusters/registry.ts";
import { secretStoreFor } from "../../lib/setup/secret_store.ts";
import { DEFAULTS, mergeSettings } from "../../lib/settings.ts";
import { chooseTemplate } from "../../lib/dev/target.ts";
import { defaultStoreName } from "../../lib/dev/apply.ts";

const context = (env: Record<string, string> = {}): ProviderContext => ({
  clusterName: "dot",
  kubeconfigPath: "/w/kubeconfig.yaml",
  env,
  cwd: "/w",
  reporter: silentReporter,
});

Deno.test("providers: one registry, kwok first (the default); its names are the CLI's choices", () => {
  assert.deepEqual(PROVIDER_NAMES, ["kwok", "kind", "aws", "google", "azure", "existing"]);
  assert.equal(DEFAULT_PROVIDER.name, "kwok");
  assert.deepEqual(
    PROVIDER_NAMES.filter((name) => providerNamed(name).cloud),
    ["aws", "google", "azure"],
  );
  assert.throws(() => providerNamed("openshift"), /unknown provider "openshift"/);
});

Deno.test("providers: local ones have no load balancer, and existing uses KUBECONFIG's first file", () => {
  assert.equal(providerNamed("kwok").loadBalancer, false);
  assert.equal(providerNamed("kind").loadBalancer, false);
  assert.equal(providerNamed("aws").loadBalancer, true);
  assert.equal(providerNamed("kwok").kubeconfigPath("/w", {}), "/w/kubeconfig.yaml");
  assert.equal(
    providerNamed("existing").kubeconfigPath("/w", { KUBECONFIG: "/a.yaml:/b.yaml" }),
    "/a.yaml",
  );
  assert.equal(providerNamed("existing").kubeconfigPath("/w", { HOME: "/h" }), "/h/.kube/config");
  assert.deepEqual(providerNamed("existing").destroyPlan(context()), [], "never deletes a cluster");
});

Deno.test("kwok: every binary a local path, its own port, 127.0.0.1 only, pod sandboxes served", () => {
  const cluster = localCluster(
    context({ PLATFORM_KWOK_BIN_DIR: "/bin/k", PLATFORM_KWOK_PORT: "27000" }),
  );
  assert.deepEqual(cluster, {
    name: "dot",
    port: 27000,
    stateDir: "/w/.platform",
    kubeconfigPath: "/w/kubeconfig.yaml",
    binDir: "/bin/k",
  });
  const config = kwokctlConfiguration(cluster, "v1.33.13") as { options: Record<string, unknown> };
  assert.equal(config.options.kubeApiserverPort, 27000);
  assert.equal(config.options.bindAddress, "127.0.0.1");
  assert.ok((config.options.enableCRDs as string[]).includes("Exec"), "the sandboxer's kinds");
  for (const key of ["etcdBinary", "kubeApiserverBinary", "kwokControllerBinary"]) {
    assert.match(String(config.options[key]), /^\/bin\/k\//, key);
  }
  assert.throws(
    () => localCluster(context({ PLATFORM_KWOK_PORT: "http" })),
    /PLATFORM_KWOK_PORT=http is not a port number/,
  );
});

Deno.test("kwok: the plan builds missing binaries first, with the exact command and a time estimate", () => {
  const [build, create] = providerNamed("kwok").createPlan(
    context({ PLATFORM_KWOK_BIN_DIR: "/nonexistent/bin" }),
  );
  assert.deepEqual(build.argv.slice(0, 3), ["env", "PLATFORM_BIN_DIR=/nonexistent/bin", "bash"]);
  assert.match(build.argv[3], /providers\/clusters\/kwok\/build\/build\.sh$/);
  assert.match(build.why, /build etcd, .*kwokctl, helm from the Go module proxy \(about 8 minutes/);
  assert.deepEqual(create.argv.slice(0, 5), [
    "/nonexistent/bin/kwokctl",
    "create",
    "cluster",
    "--name",
    "dot",
  ]);
  assert.match(create.why, /127\.0\.0\.1:26444/, "beside the test cluster's 26443");
});

Deno.test("kind: host ports 80 and 443 on a node labelled for ingress", () => {
  const node = (kindConfiguration().nodes as Record<string, unknown>[])[0];
  assert.deepEqual(node.labels, { "ingress-ready": "true" });
  assert.deepEqual(
    (node.extraPortMappings as { hostPort: number }[]).map((mapping) => mapping.hostPort),
    [80, 443],
  );
});

Deno.test("azure: destroy deletes the group it named, but only the cluster from a group you named", () => {
  const azure = providerNamed("azure");
  assert.deepEqual(azure.destroyPlan(context())[0].argv, [
    "az",
    "group",
    "delete",
    "--name",
    "dot-rg",
    "--yes",
  ]);
  assert.deepEqual(azure.destroyPlan(context({ AZURE_RESOURCE_GROUP: "team" }))[0].argv, [
    "az",
    "aks",
    "delete",
    "--resource-group",
    "team",
    "--name",
    "dot",
    "--yes",
  ]);
});

Deno.test("plans: variables a command needs show in its argv through env(1)", () => {
  const [, credentials] = providerNamed("google").createPlan(context({ GOOGLE_PROJECT_ID: "p" }));
  assert.deepEqual(planArgv(credentials).slice(0, 3), [
    "env",
    "KUBECONFIG=/w/kubeconfig.yaml",
    "gcloud",
  ]);
  assert.match(formatCommand(credentials), /^KUBECONFIG=\/w\/kubeconfig\.yaml gcloud container/);
});

const storeOf = (name: string, env: Record<string, string> = {}) =>
  secretStoreFor(providerNamed(name), env);

Deno.test("secret stores: the cloud's secret manager by reference, a fake one locally", () => {
  assert.deepEqual(storeOf("aws", { AWS_REGION: "eu-west-1" }).spec.provider, {
    aws: { service: "SecretsManager", region: "eu-west-1" },
  });
  assert.equal(
    storeOf("aws", { AWS_DEFAULT_REGION: "ap-south-1" }).spec.provider.aws.region,
    "ap-south-1",
    "the region the cluster is made in",
  );
  assert.equal(storeOf("google", { GOOGLE_PROJECT_ID: "p" }).metadata.name, "google");
  assert.equal(
    storeOf("azure").spec.provider.azurekv.authType,
    "WorkloadIdentity",
    "no client secret in the manifest",
  );
  assert.deepEqual(storeOf("kwok").spec.provider, { fake: { data: [] } });
  assert.equal(storeOf("existing").metadata.name, "local");
});

Deno.test("settings: the ingress class setup wrote to .env is what apply dev uses", () => {
  const settings = mergeSettings({
    flags: {},
    env: {},
    dotenv: { INGRESS_CLASS_NAME: "nginx" },
    baseDir: "/w",
  });
  assert.equal(settings.ingressClassName, "nginx");
  const flagged = mergeSettings({
    flags: { ingressClassName: "traefik" },
    env: {},
    dotenv: { INGRESS_CLASS_NAME: "nginx" },
    baseDir: "/w",
  });
  assert.equal(flagged.ingressClassName, "traefik", "flags still win");
});

Deno.test("the secret store serves only namespaces platform made", () => {
  for (const provider of PROVIDER_NAMES) {
    const store = storeOf(provider);
    assert.deepEqual(store.spec.conditions, [
      { namespaceSelector: { matchLabels: { "app.kubernetes.io/managed-by": "platform" } } },
    ]);
  }
});

Deno.test("providers declare what callers decide: confirmation, their own cluster, claims, secret store", () => {
  const declared = (name: string) => {
    const provider = providerNamed(name);
    return {
      confirmDestroy: provider.confirmDestroy,
      createsCluster: provider.createsCluster,
      servesClaims: provider.servesClaims,
      store: provider.secretStore({}).name,
    };
  };
  assert.deepEqual(declared("kwok"), {
    confirmDestroy: false,
    createsCluster: true,
    servesClaims: false,
    store: "local",
  });
  assert.deepEqual(declared("existing"), {
    confirmDestroy: true,
    createsCluster: false,
    servesClaims: false,
    store: "local",
  });
  assert.deepEqual(declared("kind"), {
    confirmDestroy: true,
    createsCluster: true,
    servesClaims: true,
    store: "local",
  });
  for (const cloud of ["aws", "google", "azure"]) {
    assert.deepEqual(declared(cloud), {
      confirmDestroy: true,
      createsCluster: true,
      servesClaims: true,
      store: cloud,
    });
  }
  assert.equal(findProvider("openshift"), undefined, "an unknown PROVIDER in .env is no error");
  assert.equal(findProvider(undefined), undefined);
});

// apply dev (lib/dev) still decides these from PROVIDER's name; until it reads the
// declarations, this pins the two to each other so neither drifts alone.
Deno.test("apply dev's store and auto template agree with what each provider declares", async () => {
  for (const provider of PROVIDERS) {
    assert.equal(defaultStoreName(provider.name), provider.secretStore({}).name, provider.name);
    const settings = mergeSettings({
      flags: {},
      env: { PROVIDER: provider.name },
      dotenv: {},
      baseDir: "/w",
    });
    assert.equal(settings.template, DEFAULTS.template);
    const template = await chooseTemplate(settings);
    assert.equal(template.name, provider.servesClaims ? "claim" : "manifests", provider.name);
  }
});
