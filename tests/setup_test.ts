/**
 * setup / destroy. The kwok provider runs for real: a second kwok cluster
 * (its own name, a free port and its own workdir, so the shared test
 * cluster is untouched), a real helm installing the stand-in charts of
 * tests/fixtures/charts, then apply dev, uninstall dev and destroy. Cloud
 * providers run as plans and preflights (their CLIs and accounts are not
 * here); where a CLI has to be present, a stand-in script on a PATH the
 * test controls plays it, so nothing depends on what this machine has.
 */
import assert from "node:assert/strict";
import { BIN_DIR, binPath } from "./cluster/cluster.ts";
import { testCluster, uniqueNamespace } from "./helpers/cluster.ts";
import { runCli } from "./helpers/cli.ts";
import { destroy, Kube, recordingReporter } from "../mod.ts";
import { awaitLoadBalancer } from "../providers/clusters/ingress_address.ts";

type Step = { step: string; status: string; detail: string; commands?: string[][] };

const cluster = await testCluster(); // builds the binaries the kwok provider uses, or fails with the reason
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

/** A directory of stand-in CLIs (shell scripts) that log their argv to `log`. */
async function standIns(scripts: Record<string, string>): Promise<{ bin: string; log: string }> {
  const bin = await Deno.makeTempDir({ prefix: "platform-standins-" });
  const log = `${bin}/calls.log`;
  for (const [name, body] of Object.entries(scripts)) {
    await Deno.writeTextFile(
      `${bin}/${name}`,
      `#!/bin/sh\necho "${name} $*" >> ${log}\n${body}\n`,
    );
    await Deno.chmod(`${bin}/${name}`, 0o755);
  }
  return { bin, log };
}

Deno.test("setup kwok stands the platform up, a second run changes nothing, and destroy tears it down", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "platform-setup-" });
  const mine = "# my own settings\nexport GITHUB_USER=octocat\n";
  await Deno.writeTextFile(`${cwd}/.env`, mine);
  const name = `setup-${crypto.randomUUID().slice(0, 5)}`;
  const args = ["--cluster-name", name, "--users", "alice,bob"];
  try {
    const started = performance.now();
    const setupRun = await runCli(["setup", "kwok", ...args], { env: baseEnv, cwd });
    const setupMs = performance.now() - started;
    const first = steps(setupRun);
    assert.deepEqual(first.map((record) => record.step), [
      "preflight",
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
    const checks = ["preflight", "ingress-address"];
    assert.deepEqual(
      first.map((record) => record.status),
      first.map((record) => checks.includes(record.step) ? "checked" : "done"),
      JSON.stringify(first),
    );
    // One line per step on stderr, and nothing but the records on stdout.
    for (const record of first) {
      assert.match(setupRun.stderr, new RegExp(`^✓ ${record.step}: `, "m"));
    }
    assert.match(
      first[2].detail,
      /contour-20\.0\.3 deployed in contour; contour-contour Available/,
    );

    const dotenv = await Deno.readTextFile(`${cwd}/.env`);
    assert.equal(
      dotenv,
      mine +
        `export KUBECONFIG=${cwd}/kubeconfig.yaml\nexport PROVIDER=kwok\n` +
        "export INGRESS_IP=127.0.0.1\nexport INGRESS_HOST=127.0.0.1.nip.io\n" +
        "export INGRESS_CLASS_NAME=contour\n",
    );
    const sourced = await new Deno.Command("bash", {
      args: ["-c", 'source .env && printf "%s %s %s" "$GITHUB_USER" "$PROVIDER" "$INGRESS_HOST"'],
      cwd,
    }).output();
    assert.equal(new TextDecoder().decode(sourced.stdout), "octocat kwok 127.0.0.1.nip.io");

    const kube = await Kube.connect({ kubeconfig: `${cwd}/kubeconfig.yaml` });
    for (const ns of ["alice", "bob", "staging"]) {
      const namespace = await kube.get({ apiVersion: "v1", kind: "Namespace", name: ns });
      assert.equal(namespace?.metadata.labels?.["platform.dev/part-of"], "setup");
    }
    const envoy = await kube.get({
      apiVersion: "v1",
      kind: "Service",
      namespace: "contour",
      name: "contour-envoy",
    });
    assert.equal(envoy?.spec.type, "NodePort", "no load balancer on kwok: host ports");
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
      first.map((record) => [record.step, checks.includes(record.step) ? "checked" : "skipped"]),
      "a second setup changes nothing",
    );
    assert.equal(await Deno.readTextFile(`${cwd}/.env`), dotenv);

    // A developer's day after setup: the kubeconfig, host and class come from .env.
    const applied = await runCli([
      "apply",
      "dev",
      "alice",
      "--no-session",
      "--db",
      "silly-demo-alice-db",
    ], {
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
    assert.deepEqual(destroyed.map((record) => record.step), [
      "preflight",
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
    ]);
    assert.ok(
      destroyed.slice(1).every((record) => record.status === "done"),
      JSON.stringify(destroyed),
    );
    assert.equal(await Deno.readTextFile(`${cwd}/.env`), mine, "only setup's keys left .env");
    const list = await new Deno.Command(`${BIN_DIR}/kwokctl`, {
      args: ["get", "clusters"],
      env: { KWOK_WORKDIR: `${cwd}/.platform/kwok` },
    }).output();
    assert.doesNotMatch(new TextDecoder().decode(list.stdout), new RegExp(name));
    assert.deepEqual(
      [...Deno.readDirSync(cwd)].map((entry) => entry.name),
      [".env"],
      "the kubeconfig and kwok's workdir are gone too",
    );
    console.log(
      `setup ${(setupMs / 1000).toFixed(1)} s, second setup ${
        (secondMs / 1000).toFixed(1)
      } s, destroy ${(destroyMs / 1000).toFixed(1)} s`,
    );
  } finally {
    await runCli(["destroy", "kwok", "--cluster-name", name], { env: baseEnv, cwd });
  }
});

Deno.test("a half-finished setup stops at the failing step, can be re-run, and can be destroyed", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "platform-setup-half-" });
  const broken = await Deno.makeTempDir({ prefix: "platform-charts-" });
  // No stand-in for external-secrets: its install fails as an unreachable chart would.
  for (const chart of ["ingress-nginx", "crossplane"]) {
    await Deno.symlink(`${charts}/${chart}`, `${broken}/${chart}`);
  }
  const name = `half-${crypto.randomUUID().slice(0, 5)}`;
  const args = ["--cluster-name", name, "--ingress", "nginx"];
  try {
    const failed = await runCli(["setup", "kwok", ...args], {
      env: { ...baseEnv, PLATFORM_CHARTS_DIR: broken },
      cwd,
    });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^✓ ingress-nginx: ingress-nginx-4\.12\.3 deployed/m);
    assert.match(failed.stderr, /^✗ external-secrets: install external-secrets: /m);
    assert.match(failed.stderr, /^hint: look at the release: helm status external-secrets/m);
    assert.doesNotMatch(failed.stderr, /atlas-operator/, "nothing runs after the failure");
    assert.equal(failed.stdout, "", "no records for a failed setup");

    // Nothing keeps running across reboots: a stopped cluster is started again by the next run.
    const stopped = await new Deno.Command(`${BIN_DIR}/kwokctl`, {
      args: ["stop", "cluster", "--name", name],
      env: { KWOK_WORKDIR: `${cwd}/.platform/kwok` },
    }).output();
    assert.equal(stopped.code, 0, new TextDecoder().decode(stopped.stderr));

    const resumed = steps(await runCli(["setup", "kwok", ...args], { env: baseEnv, cwd }));
    const status = statusOf(resumed);
    assert.equal(status.cluster, "done");
    assert.match(resumed[1].detail, new RegExp(`cluster ${name}: started again`));
    assert.equal(status["ingress-nginx"], "skipped");
    assert.equal(status.crossplane, "skipped");
    assert.equal(status["external-secrets"], "done", "the failed step runs again");
    assert.equal(status["staging-app"], "done");
    const kube = await Kube.connect({ kubeconfig: `${cwd}/kubeconfig.yaml` });
    const ingress = await kube.get({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      namespace: "staging",
      name: "silly-demo",
    });
    assert.equal(ingress?.spec.ingressClassName, "nginx", "the staging app uses --ingress");
    assert.match(await Deno.readTextFile(`${cwd}/.env`), /^export INGRESS_CLASS_NAME=nginx$/m);

    // Half-destroyed by hand first (two releases and a CRD gone); destroy skips what is missing.
    const kubeconfig = ["--kubeconfig", `${cwd}/kubeconfig.yaml`];
    for (const release of ["atlas-operator", "external-secrets"]) {
      const uninstalled = await new Deno.Command(binPath("helm"), {
        args: ["uninstall", release, "-n", release, "--wait", ...kubeconfig],
      }).output();
      assert.equal(uninstalled.code, 0, new TextDecoder().decode(uninstalled.stderr));
    }
    const crd = await new Deno.Command(binPath("kubectl"), {
      args: ["delete", "crd", "clustersecretstores.external-secrets.io", "--wait", ...kubeconfig],
    }).output();
    assert.equal(crd.code, 0, new TextDecoder().decode(crd.stderr));
    const destroyed = statusOf(
      steps(await runCli(["destroy", "kwok", ...args], { env: baseEnv, cwd })),
    );
    assert.equal(destroyed["atlas-operator"], "skipped", "what is gone is skipped");
    assert.equal(destroyed["external-secrets"], "skipped");
    assert.equal(destroyed["secret-store"], "skipped", "its kind is no longer served");
    assert.equal(destroyed["ingress-nginx"], "done");
    assert.equal(destroyed.cluster, "done");
    const again = steps(await runCli(["destroy", "kwok", ...args], { env: baseEnv, cwd }));
    assert.deepEqual(again.map((record) => [record.step, record.status]), [
      ["preflight", "checked"],
      ["env-file", "skipped"],
      ["cluster", "skipped"],
    ]);
  } finally {
    await runCli(["destroy", "kwok", "--cluster-name", name], { env: baseEnv, cwd });
  }
});

Deno.test("the ingress address is awaited on the Service's load balancer, and a host name is resolved", async () => {
  await using ns = await uniqueNamespace("ingress-address");
  const kube = await Kube.connect({ kubeconfig: cluster.kubeconfigPath });
  const service = { namespace: ns.name, name: "contour-envoy" };
  await kube.apply({
    apiVersion: "v1",
    kind: "Service",
    metadata: service,
    spec: { type: "LoadBalancer", ports: [{ name: "http", port: 80 }], selector: { app: "envoy" } },
  });
  const path = `/api/v1/namespaces/${ns.name}/services/contour-envoy/status`;
  const setAddress = (ingress: Record<string, string>) =>
    kube.request("PATCH", path, {
      body: { status: { loadBalancer: { ingress: [ingress] } } },
      contentType: "application/merge-patch+json",
    });

  const reporter = recordingReporter();
  const waiting = awaitLoadBalancer(kube, service, { reporter, timeoutMs: 30_000 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.match(
    reporter.lines.join("\n"),
    /waiting for the load-balancer address of .*: no address yet/,
  );
  await setAddress({ ip: "203.0.113.7" });
  assert.deepEqual(await waiting, { ip: "203.0.113.7", host: "203.0.113.7.nip.io" });

  // An AWS load balancer has only a host name; nip.io needs its address. localhost resolves offline.
  await kube.request("PATCH", path, {
    body: { status: { loadBalancer: { ingress: [{ hostname: "localhost" }] } } },
    contentType: "application/merge-patch+json",
  });
  assert.deepEqual(await awaitLoadBalancer(kube, service, { reporter }), {
    ip: "127.0.0.1",
    host: "127.0.0.1.nip.io",
  });
  let attempts = 0;
  const late = await awaitLoadBalancer(kube, service, {
    reporter,
    retryMs: 10,
    resolve: () => Promise.resolve(++attempts < 3 ? [] : ["198.51.100.4"]),
  });
  assert.equal(late.host, "198.51.100.4.nip.io");
  assert.match(reporter.lines.join("\n"), /waiting for localhost to resolve \(no IPv4 address\)/);
});

Deno.test("cloud plans name the exact commands and flags as argv arrays, and touch nothing", async () => {
  const cwd = await Deno.makeTempDir();
  const env = {
    PATH: "/nonexistent",
    AWS_REGION: "eu-west-1",
    GOOGLE_PROJECT_ID: "acme-dev",
    AZURE_LOCATION: "westeurope",
    PLATFORM_HELM: "helm",
  };
  const plan = async (...args: string[]) => {
    const records = steps(
      await runCli([...args, "--dry-run", "--cluster-name", "dot"], { env, cwd }),
    );
    assert.ok(records.every((record) => record.status === "planned"));
    return Object.fromEntries(records.map((record) => [record.step, record]));
  };
  const kubeconfig = `${cwd}/kubeconfig.yaml`;
  const aws = await plan("setup", "aws");
  assert.deepEqual(aws.cluster.commands, [[
    "eksctl",
    "create",
    "cluster",
    "--name",
    "dot",
    "--region",
    "eu-west-1",
    "--version",
    "1.33",
    "--nodegroup-name",
    "primary",
    "--node-type",
    "t3.large",
    "--nodes",
    "2",
    "--nodes-min",
    "2",
    "--nodes-max",
    "4",
    "--with-oidc",
    "--kubeconfig",
    kubeconfig,
  ]]);
  assert.deepEqual(aws.contour.commands, [[
    "helm",
    "upgrade",
    "--install",
    "contour",
    "contour",
    "--repo",
    "https://charts.bitnami.com/bitnami",
    "--version",
    "20.0.3",
    "--namespace",
    "contour",
    "--create-namespace",
    "--wait",
    "--timeout",
    "10m",
    "--kubeconfig",
    kubeconfig,
    "--set",
    "envoy.service.type=LoadBalancer",
  ]]);
  assert.deepEqual(aws["atlas-operator"].commands?.[0].slice(0, 7), [
    "helm",
    "upgrade",
    "--install",
    "atlas-operator",
    "oci://ghcr.io/ariga/charts/atlas-operator",
    "--version",
    "0.7.11",
  ]);
  assert.match(aws["secret-store"].detail, /ClusterSecretStore aws \(aws\)/);
  assert.match(
    aws["ingress-address"].detail,
    /load-balancer address of Service contour\/contour-envoy/,
  );
  assert.deepEqual((await plan("destroy", "aws")).cluster.commands, [[
    "eksctl",
    "delete",
    "cluster",
    "--name",
    "dot",
    "--region",
    "eu-west-1",
    "--wait",
  ]]);

  const google = await plan("setup", "google");
  assert.deepEqual(google.cluster.commands?.[0].slice(0, 9), [
    "gcloud",
    "container",
    "clusters",
    "create",
    "dot",
    "--project",
    "acme-dev",
    "--zone",
    "us-east1-b",
  ]);
  assert.deepEqual(google.cluster.commands?.[1], [
    "env",
    `KUBECONFIG=${kubeconfig}`,
    "gcloud",
    "container",
    "clusters",
    "get-credentials",
    "dot",
    "--project",
    "acme-dev",
    "--zone",
    "us-east1-b",
  ]);
  assert.deepEqual((await plan("destroy", "google")).cluster.commands, [[
    "gcloud",
    "container",
    "clusters",
    "delete",
    "dot",
    "--project",
    "acme-dev",
    "--zone",
    "us-east1-b",
    "--quiet",
  ]]);

  const azure = await plan("setup", "azure");
  assert.deepEqual(azure.cluster.commands?.[0], [
    "az",
    "group",
    "create",
    "--name",
    "dot-rg",
    "--location",
    "westeurope",
  ]);
  assert.deepEqual(azure.cluster.commands?.[2], [
    "az",
    "aks",
    "get-credentials",
    "--resource-group",
    "dot-rg",
    "--name",
    "dot",
    "--file",
    kubeconfig,
    "--overwrite-existing",
  ]);
  assert.deepEqual((await plan("destroy", "azure")).cluster.commands, [[
    "az",
    "group",
    "delete",
    "--name",
    "dot-rg",
    "--yes",
  ]]);

  const kind = await plan("setup", "kind");
  assert.deepEqual(kind.cluster.commands, [[
    "kind",
    "create",
    "cluster",
    "--name",
    "dot",
    "--config",
    `${cwd}/.platform/kind/dot.json`,
    "--kubeconfig",
    kubeconfig,
    "--wait",
    "5m",
  ]]);
  assert.ok(
    kind.contour.commands?.[0].includes("envoy.service.type=NodePort"),
    "kind has no load balancer: host ports",
  );

  const nginx = await runCli(["setup", "aws", "--dry-run", "--ingress", "nginx"], { env, cwd });
  const nginxSteps = steps(nginx).map((record) => record.step);
  assert.ok(nginxSteps.includes("ingress-nginx") && !nginxSteps.includes("contour"));
  const only = steps(
    await runCli(["setup", "google", "--dry-run", "--components", "crossplane"], { env, cwd }),
  );
  assert.deepEqual(only.map((record) => record.step), [
    "preflight",
    "cluster",
    "contour",
    "crossplane",
    "crossplane-configurations",
    "namespaces",
    "ingress-address",
    "staging-app",
    "env-file",
  ]);
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
    assert.match(result.stderr, /^✗ preflight: /m, provider);
    assert.match(result.stderr, message, provider);
    assert.match(result.stderr, hint, provider);
  }

  // The CLIs present, no credentials: stand-ins that answer like a machine nobody logged in on.
  const { bin } = await standIns({
    eksctl: "echo 0.210.0",
    aws: "echo aws-cli/2.27.0",
    gcloud: 'case "$1" in auth) exit 0;; *) echo "Google Cloud SDK 528.0.0";; esac',
    "gke-gcloud-auth-plugin": "echo v0.5.10",
    az:
      'case "$1" in account) echo "Please run \'az login\' to setup account." >&2; exit 1;; *) echo 2.75.0;; esac',
  });
  const path = `${bin}:/usr/bin:/bin`;
  const noCredentials: [string, Record<string, string>, RegExp, RegExp][] = [
    [
      "aws",
      {},
      /no credentials: none of AWS_ACCESS_KEY_ID, AWS_PROFILE/,
      /hint: log in to AWS first/,
    ],
    [
      "google",
      { GOOGLE_PROJECT_ID: "acme-dev" },
      /no credentials: gcloud has no active account/,
      /hint: run gcloud auth login/,
    ],
    ["google", {}, /no Google Cloud project/, /hint: export GOOGLE_PROJECT_ID=/],
    ["azure", {}, /no credentials: az has no logged-in account/, /hint: run az login/],
  ];
  for (const [provider, extra, message, hint] of noCredentials) {
    const result = await runCli(["setup", provider], {
      env: { PATH: path, HOME: cwd, ...extra },
      cwd,
    });
    assert.equal(result.code, 1, `${provider}: ${result.stderr}`);
    assert.match(result.stderr, message, provider);
    assert.match(result.stderr, hint, provider);
  }
  assert.deepEqual([...Deno.readDirSync(cwd)], [], "nothing was written");
});

Deno.test("a cloud provider's create runs exactly its planned argv", async () => {
  const cwd = await Deno.makeTempDir();
  // Credentials by reference: a shared credentials file is enough, and is never read.
  await Deno.mkdir(`${cwd}/.aws`);
  await Deno.writeTextFile(`${cwd}/.aws/credentials`, "[default]\n");
  const { bin, log } = await standIns({
    eksctl: 'case "$1" in get) exit 1;; version) echo 0.210.0;; esac',
    aws: "echo aws-cli/2.27.0",
  });
  const env = { PATH: `${bin}:/usr/bin:/bin`, HOME: cwd, PLATFORM_HELM: binPath("helm") };
  const planned = steps(await runCli(["setup", "aws", "--dry-run"], { env, cwd }));
  const result = await runCli(["setup", "aws"], { env, cwd });
  assert.match(result.stderr, /^✓ preflight: aws is ready to use/m);
  assert.match(result.stderr, /^✓ cluster: cluster platform created/m);
  // The stand-in eksctl wrote no kubeconfig, so the first helm step fails, as it should.
  assert.match(result.stderr, /^✗ contour: /m);
  assert.equal(result.code, 1);
  const calls = (await Deno.readTextFile(log)).trim().split("\n");
  const create = planned.find((record) => record.step === "cluster")!.commands![0];
  assert.ok(calls.includes(create.join(" ")), calls.join("\n"));
});

Deno.test("destroy deletes a cloud cluster only after --yes or a confirmation naming it", async () => {
  const cwd = await Deno.makeTempDir();
  const { bin, log } = await standIns({
    gcloud:
      'case "$1" in auth) echo dev@example.com;; container) exit 1;; *) echo "Google Cloud SDK 528.0.0";; esac',
    "gke-gcloud-auth-plugin": "echo v0.5.10",
  });
  const env = {
    PATH: `${bin}:/usr/bin:/bin`,
    HOME: cwd,
    GOOGLE_PROJECT_ID: "acme-dev",
    PLATFORM_HELM: binPath("helm"),
  };
  const refused = await runCli(["destroy", "google", "--cluster-name", "prod"], { env, cwd });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /refusing to delete the google cluster prod without confirmation/);
  assert.match(refused.stderr, /hint: pass --yes/);

  const questions: string[] = [];
  await assert.rejects(
    destroy({
      provider: "google",
      clusterName: "prod",
      env,
      cwd,
      confirm: (question) => {
        questions.push(question);
        return Promise.resolve(false);
      },
    }),
    /not confirmed; nothing was deleted/,
  );
  assert.deepEqual(questions, ["Delete the google cluster prod?"]);
  assert.doesNotMatch(await Deno.readTextFile(log), /container/, "not even looked up");

  const records = await destroy({
    provider: "google",
    clusterName: "prod",
    env,
    cwd,
    confirm: () => Promise.resolve(true),
  });
  assert.deepEqual(records.map((record) => [record.step, record.status]), [
    ["preflight", "checked"],
    ["env-file", "skipped"],
    ["cluster", "skipped"],
  ]);
  assert.match(
    await Deno.readTextFile(log),
    /gcloud container clusters describe prod --project acme-dev/,
  );
  assert.doesNotMatch(await Deno.readTextFile(log), /delete/);
});

Deno.test("an unknown provider, ingress or component, or a bad user name, is a usage error", async () => {
  assert.equal((await runCli(["setup", "openshift"])).code, 2);
  assert.equal((await runCli(["setup", "kwok", "--ingress", "haproxy", "--dry-run"])).code, 2);
  const component = await runCli([
    "setup",
    "kwok",
    "--components",
    "crossplane,argocd",
    "--dry-run",
  ]);
  assert.equal(component.code, 2);
  assert.match(component.stderr, /unknown component argocd/);
  assert.match(
    component.stderr,
    /hint: --components takes .*crossplane, external-secrets, atlas-operator/,
  );
  const badUser = await runCli(["setup", "kwok", "--users", "Alice", "--dry-run"]);
  assert.equal(badUser.code, 2);
  assert.match(badUser.stderr, /invalid user name "Alice"/);
});
