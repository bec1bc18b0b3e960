/**
 * setup / destroy. The kwok provider runs for real: a second kwok cluster
 * (its own name and port, so the shared test cluster is untouched), helm
 * installing the stand-in charts of tests/fixtures/charts, then apply dev,
 * uninstall dev and destroy. Cloud providers run only as plans and
 * preflights: their CLIs and accounts are not available here.
 */
import assert from "node:assert/strict";
import { BIN_DIR, binPath } from "./cluster/cluster.ts";
import { testCluster } from "./helpers/cluster.ts";
import { runCli } from "./helpers/cli.ts";

type Step = { step: string; status: string; detail: string };

await testCluster(); // builds the binaries the kwok provider uses, or fails with the reason
const charts = new URL("./fixtures/charts", import.meta.url).pathname;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

const baseEnv = {
  PATH: Deno.env.get("PATH") ?? "",
  HOME: Deno.env.get("HOME") ?? "/root",
  PLATFORM_KWOK_BIN_DIR: BIN_DIR,
  PLATFORM_HELM: binPath("helm"),
  PLATFORM_CHARTS_DIR: charts,
  PLATFORM_KWOK_PORT: String(freePort()),
};

function steps(result: { code: number; stdout: string; stderr: string }): Step[] {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

const statusOf = (records: Step[]) =>
  Object.fromEntries(records.map((record) => [record.step, record.status]));

Deno.test("destroy after a half-finished setup removes what was made", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "platform-setup-half-" });
  const broken = await Deno.makeTempDir({ prefix: "platform-charts-" });
  for (const chart of ["contour", "crossplane"]) {
    await new Deno.Command("cp", { args: ["-r", `${charts}/${chart}`, `${broken}/${chart}`] })
      .output();
  }
  const env = { ...baseEnv, PLATFORM_CHARTS_DIR: broken };
  const name = `half-${crypto.randomUUID().slice(0, 5)}`;
  try {
    const failed = await runCli(["setup", "kwok", "--cluster-name", name], { env, cwd });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /✓ contour: contour-20\.0\.3 deployed/);
    assert.match(failed.stderr, /✗ external-secrets: /);
    assert.match(failed.stderr, /^hint: /m);
    const destroyed = steps(
      await runCli(["destroy", "kwok", "--cluster-name", name], { env, cwd }),
    );
    assert.equal(statusOf(destroyed).contour, "done");
    assert.equal(
      statusOf(destroyed)["external-secrets"],
      "skipped",
      "what was never installed is skipped",
    );
    assert.equal(statusOf(destroyed).cluster, "done");
    const again = steps(await runCli(["destroy", "kwok", "--cluster-name", name], { env, cwd }));
    assert.deepEqual(again.map((record) => [record.step, record.status]), [["cluster", "skipped"]]);
  } finally {
    await runCli(["destroy", "kwok", "--cluster-name", name], { env, cwd });
  }
});

Deno.test("setup kwok stands the platform up, a second run changes nothing, and destroy tears it down", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "platform-setup-" });
  await Deno.writeTextFile(`${cwd}/.env`, "# my own settings\nexport GITHUB_USER=octocat\n");
  const name = `setup-${crypto.randomUUID().slice(0, 5)}`;
  const args = ["--cluster-name", name, "--users", "alice,bob"];
  try {
    const started = performance.now();
    const first = steps(await runCli(["setup", "kwok", ...args], { env: baseEnv, cwd }));
    const setupMs = performance.now() - started;
    assert.deepEqual(first.map((record) => record.step), [
      "preflight",
      "cluster",
      "contour",
      "crossplane",
      "external-secrets",
      "atlas-operator",
      "crossplane-configurations",
      "secret-store",
      "namespaces",
      "staging-app",
      "env-file",
    ]);
    assert.ok(first.slice(1).every((record) => record.status === "done"), JSON.stringify(first));

    const dotenv = await Deno.readTextFile(`${cwd}/.env`);
    assert.equal(
      dotenv,
      "# my own settings\nexport GITHUB_USER=octocat\n" +
        `export KUBECONFIG=${cwd}/kubeconfig.yaml\nexport PROVIDER=kwok\n` +
        "export INGRESS_IP=127.0.0.1\nexport INGRESS_HOST=127.0.0.1.nip.io\n",
    );
    const sourced = await new Deno.Command("bash", {
      args: ["-c", 'source .env && printf "%s %s" "$PROVIDER" "$INGRESS_HOST"'],
      cwd,
    }).output();
    assert.equal(new TextDecoder().decode(sourced.stdout), "kwok 127.0.0.1.nip.io");

    // Everything below reads the kubeconfig from .env, as a developer's shell would after setup.
    const { Kube } = await import("../mod.ts");
    const kube = await Kube.connect({ kubeconfig: `${cwd}/kubeconfig.yaml` });
    for (const ns of ["alice", "bob", "staging"]) {
      const namespace = await kube.get({ apiVersion: "v1", kind: "Namespace", name: ns });
      assert.equal(namespace?.metadata.labels?.["platform.dev/part-of"], "setup");
    }
    assert.ok(
      await kube.get({
        apiVersion: "external-secrets.io/v1",
        kind: "ClusterSecretStore",
        name: "local",
      }),
    );
    assert.ok(
      await kube.get({
        apiVersion: "pkg.crossplane.io/v1",
        kind: "Configuration",
        name: "crossplane-app",
      }),
    );
    const staging = await kube.get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "silly-demo",
      namespace: "staging",
    });
    assert.equal(staging?.status?.availableReplicas, 1, "the staging app runs");

    const secondStarted = performance.now();
    const second = steps(await runCli(["setup", "kwok", ...args], { env: baseEnv, cwd }));
    const secondMs = performance.now() - secondStarted;
    assert.deepEqual(
      second.map((record) => [record.step, record.status]),
      first.map((record) => [record.step, record.step === "preflight" ? "checked" : "skipped"]),
      "a second setup changes nothing",
    );
    assert.equal(await Deno.readTextFile(`${cwd}/.env`), dotenv);

    const applied = await runCli(["apply", "dev", "alice", "--no-session", "--db", "alice-db"], {
      env: baseEnv,
      cwd,
    });
    assert.equal(applied.code, 0, applied.stderr);
    const environment = JSON.parse(applied.stdout);
    assert.equal(environment.url, "http://alice.silly-demo.127.0.0.1.nip.io");
    assert.equal(environment.ready, true);
    const externalSecret = await kube.get({
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      name: "silly-demo-db",
      namespace: "alice",
    });
    assert.equal(
      externalSecret?.spec.secretStoreRef.name,
      "local",
      "the ExternalSecret uses the store setup made",
    );
    const removed = await runCli(["uninstall", "dev", "alice"], { env: baseEnv, cwd });
    assert.equal(removed.code, 0, removed.stderr);

    const destroyStarted = performance.now();
    const destroyed = steps(await runCli(["destroy", "kwok", ...args], { env: baseEnv, cwd }));
    const destroyMs = performance.now() - destroyStarted;
    assert.ok(destroyed.every((record) => record.status === "done"), JSON.stringify(destroyed));
    assert.equal(destroyed.at(-1)?.step, "cluster");
    const list = await new Deno.Command(`${BIN_DIR}/kwokctl`, {
      args: ["get", "clusters"],
      env: { KWOK_WORKDIR: `${cwd}/.platform/kwok` },
    }).output();
    assert.doesNotMatch(new TextDecoder().decode(list.stdout), new RegExp(name));
    console.log(
      `setup ${(setupMs / 1000).toFixed(1)} s, second setup ${
        (secondMs / 1000).toFixed(1)
      } s, destroy ${(destroyMs / 1000).toFixed(1)} s`,
    );
  } finally {
    await runCli(["destroy", "kwok", "--cluster-name", name], { env: baseEnv, cwd });
  }
});

Deno.test("cloud plans name the exact commands and flags, and touch nothing", async () => {
  const cwd = await Deno.makeTempDir();
  const env = {
    PATH: baseEnv.PATH,
    AWS_REGION: "eu-west-1",
    GOOGLE_PROJECT_ID: "acme-dev",
    AZURE_LOCATION: "westeurope",
  };
  const plan = async (...args: string[]) => {
    const records = steps(
      await runCli([...args, "--dry-run", "--cluster-name", "dot"], { env, cwd }),
    );
    assert.ok(records.every((record) => record.status === "planned"));
    return Object.fromEntries(records.map((record) => [record.step, record.detail]));
  };
  const aws = await plan("setup", "aws");
  assert.equal(
    aws.cluster,
    `eksctl create cluster --name dot --region eu-west-1 --version 1.33 --nodegroup-name primary --node-type t3.large --nodes 2 --with-oidc --kubeconfig ${cwd}/kubeconfig.yaml`,
  );
  assert.match(
    aws.contour,
    /helm upgrade --install contour contour --repo https:\/\/charts\.bitnami\.com\/bitnami --version 20\.0\.3 --namespace contour --create-namespace --wait/,
  );
  assert.match(aws["secret-store"], /ClusterSecretStore aws \(aws\)/);
  assert.match(
    (await plan("destroy", "aws")).cluster,
    /^eksctl delete cluster --name dot --region eu-west-1 --wait$/,
  );
  assert.match(
    (await plan("setup", "google")).cluster,
    /^gcloud container clusters create dot --project acme-dev --zone us-east1-b .* && gcloud container clusters get-credentials dot/,
  );
  assert.match(
    (await plan("setup", "azure")).cluster,
    /^az group create --name dot-rg --location westeurope && az aks create --resource-group dot-rg --name dot /,
  );
  assert.match((await plan("destroy", "azure")).cluster, /^az group delete --name dot-rg --yes$/);
  assert.match(
    (await plan("setup", "kind")).cluster,
    /^kind create cluster --name dot --kubeconfig .* --wait 5m$/,
  );
  const nginx = await runCli(["setup", "aws", "--dry-run", "--ingress", "nginx"], { env, cwd });
  assert.ok(JSON.parse(nginx.stdout).some((record: Step) => record.step === "ingress-nginx"));
  assert.deepEqual([...Deno.readDirSync(cwd)], [], "a plan writes nothing");
});

Deno.test("preflight without a provider's CLI or credentials fails with the hint", async () => {
  const cwd = await Deno.makeTempDir();
  const empty = { PATH: "/nonexistent", HOME: cwd };
  const cases: [string, RegExp, RegExp][] = [
    ["aws", /eksctl is not installed/, /hint: install eksctl/],
    ["google", /gcloud is not installed/, /hint: install the Google Cloud CLI/],
    ["azure", /az is not installed/, /hint: install the Azure CLI/],
    ["kind", /kind is not installed/, /hint: install kind/],
  ];
  for (const [provider, message, hint] of cases) {
    const result = await runCli(["setup", provider], { env: empty, cwd });
    assert.equal(result.code, 1, provider);
    assert.match(result.stderr, message, provider);
    assert.match(result.stderr, hint, provider);
  }
  // The CLI present but no credentials: a stand-in eksctl that only prints its version.
  const bin = await Deno.makeTempDir();
  await Deno.writeTextFile(`${bin}/eksctl`, "#!/bin/sh\necho 0.210.0\n");
  await Deno.chmod(`${bin}/eksctl`, 0o755);
  const noCredentials = await runCli(["setup", "aws"], {
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: cwd },
    cwd,
  });
  assert.equal(noCredentials.code, 1);
  assert.match(noCredentials.stderr, /no credentials: none of AWS_ACCESS_KEY_ID, AWS_PROFILE/);
  assert.match(noCredentials.stderr, /hint: log in to AWS first/);
  assert.deepEqual([...Deno.readDirSync(cwd)], [], "nothing was written");
});

Deno.test("destroy refuses to delete a cloud cluster without --yes when no one can be asked", async () => {
  const result = await runCli(["destroy", "google", "--cluster-name", "prod"], {
    env: { PATH: "/nonexistent" },
    cwd: Deno.cwd(),
  });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /refusing to delete the google cluster prod without confirmation/);
  assert.match(result.stderr, /hint: pass --yes/);
});

Deno.test("an unknown provider or ingress is a usage error", async () => {
  assert.equal((await runCli(["setup", "openshift"])).code, 2);
  assert.equal((await runCli(["setup", "kwok", "--ingress", "haproxy", "--dry-run"])).code, 2);
  const badUser = await runCli(["setup", "kwok", "--users", "Alice", "--dry-run"]);
  assert.equal(badUser.code, 2);
  assert.match(badUser.stderr, /invalid user name "Alice"/);
});
