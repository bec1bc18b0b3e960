/**
 * kubectl habits that need a cluster, against the local test cluster:
 * list dev -n / -A / -l and -o name, version with the server's version and
 * --context, completion values from the cluster, and a project's .env found
 * from a subdirectory.
 */
import assert from "node:assert/strict";
import { testCluster } from "./helpers/cluster.ts";
import { runCli, spawnCli } from "./helpers/cli.ts";

const cluster = await testCluster();
const suffix = crypto.randomUUID().slice(0, 6);
const user = `habits-${suffix}`;
const other = `habits2-${suffix}`;
const env = { KUBECONFIG: cluster.kubeconfigPath, INGRESS_HOST: "127.0.0.1.nip.io" };

async function platform(args: string[], cwd?: string) {
  return await runCli(args, { env, cwd: cwd ?? await Deno.makeTempDir() });
}

Deno.test("list dev takes -n, -A, -l and -o name as kubectl does", async () => {
  for (const name of [user, other]) {
    const applied = await platform([
      "apply",
      "dev",
      name,
      "--template",
      "manifests",
      "--no-session",
    ]);
    assert.equal(applied.code, 0, applied.stderr);
  }
  try {
    const names = (result: { code: number; stdout: string; stderr: string }) => {
      assert.equal(result.code, 0, result.stderr);
      return result.stdout.trim().split("\n").filter(Boolean);
    };
    const all = names(await platform(["list", "dev", "-A", "-o", "name"]));
    assert.ok(all.includes(user) && all.includes(other), all.join(" "));
    assert.deepEqual(names(await platform(["list", "dev", "-n", user, "-o", "name"])), [user]);
    assert.deepEqual(names(await platform(["-o", "name", "list", "dev", `-n${other}`])), [other]);
    assert.deepEqual(
      names(await platform(["list", "dev", "-l", `platform.dev/user=${user}`, "-oname"])),
      [user],
    );
    assert.deepEqual(names(await platform(["list", "dev", "-l", "platform.dev/user=nobody-x"])), [
      "[]",
    ]);
    const both = await platform(["list", "dev", "-n", user, "-A"]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^error: -n and -A cannot be combined/m);
    // What completion offers for `apply dev <TAB>` and `-n <TAB>`.
    const users = await spawnCli(["__complete", "users"], { env });
    assert.ok(users.stdout.split("\n").includes(user), users.stdout);
    const namespaces = await spawnCli(["__complete", "namespaces"], { env });
    assert.ok(namespaces.stdout.split("\n").includes(other), namespaces.stdout);
    assert.ok(namespaces.stdout.split("\n").includes("kube-system"), namespaces.stdout);
  } finally {
    for (const name of [user, other]) await platform(["uninstall", "dev", name, "--no-wait"]);
  }
});

Deno.test("version shows the server's version and honours --context", async () => {
  const text = await Deno.readTextFile(cluster.kubeconfigPath);
  // A second context in the same file whose server does not answer.
  const { parseYaml } = await import("../lib/yaml.ts");
  const config = parseYaml(text, "kubeconfig") as {
    clusters: { name: string; cluster: Record<string, unknown> }[];
    contexts: { name: string; context: { cluster: string; user: string } }[];
  };
  const live = config.contexts[0];
  config.clusters.push({
    name: "dead",
    cluster: { ...config.clusters[0].cluster, server: "https://127.0.0.1:2" },
  });
  config.contexts.push({ name: "dead", context: { cluster: "dead", user: live.context.user } });
  const kubeconfig = await Deno.makeTempFile({ suffix: ".yaml" });
  await Deno.writeTextFile(kubeconfig, JSON.stringify(config));

  const up = await platform(["version", "--kubeconfig", kubeconfig, "--context", live.name]);
  assert.equal(up.code, 0, up.stderr);
  const record = JSON.parse(up.stdout);
  assert.equal(record.context, live.name);
  assert.match(record.server, /^v1\.\d+\.\d+/);
  const started = performance.now();
  const down = await platform(["--context", "dead", "version", "--kubeconfig", kubeconfig]);
  assert.equal(down.code, 0, down.stderr);
  assert.equal(JSON.parse(down.stdout).context, "dead");
  assert.match(JSON.parse(down.stdout).server, /^unknown: /);
  assert.ok(performance.now() - started < 4_000, "a short timeout");
  const contexts = await spawnCli(["__complete", "contexts", "--kubeconfig", kubeconfig]);
  assert.deepEqual(contexts.stdout.trim().split("\n").sort(), [live.name, "dead"].sort());
});

Deno.test("a project's .env and platform.yaml are found from a subdirectory", async () => {
  const repo = await Deno.makeTempDir({ prefix: "platform-repo-" });
  await Deno.mkdir(`${repo}/.git`);
  await Deno.mkdir(`${repo}/src/api`, { recursive: true });
  await Deno.writeTextFile(`${repo}/.env`, `export KUBECONFIG=${cluster.kubeconfigPath}\n`);
  await Deno.writeTextFile(`${repo}/platform.yaml`, "app: from-yaml\n");
  const result = await runCli(["version"], { env: {}, cwd: `${repo}/src/api` });
  assert.equal(result.code, 0, result.stderr);
  assert.match(JSON.parse(result.stdout).server, /^v1\./, "KUBECONFIG came from ../../.env");
  const dry = await runCli(["apply", "dev", "zed", "--dry-run", "-o", "json"], {
    env: {},
    cwd: `${repo}/src/api`,
  });
  assert.equal(JSON.parse(dry.stdout).items[0].metadata.name, "from-yaml");
});

Deno.test("apply dev --dry-run output is what kubectl apply -f - takes, as JSON and as YAML", async () => {
  for (const format of ["json", "yaml"]) {
    const rendered = await platform(["apply", "dev", user, "--dry-run", "-o", format]);
    assert.equal(rendered.code, 0, rendered.stderr);
    const kubectl = new Deno.Command(cluster.kubectlPath, {
      args: ["apply", "--dry-run=client", "-f", "-"],
      env: { KUBECONFIG: cluster.kubeconfigPath },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = kubectl.stdin.getWriter();
    await writer.write(new TextEncoder().encode(rendered.stdout));
    await writer.close();
    const output = await kubectl.output();
    const stdout = new TextDecoder().decode(output.stdout);
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    assert.match(stdout, /^deployment\.apps\/silly-demo created \(dry run\)$/m, format);
    assert.match(stdout, /^ingress\.networking\.k8s\.io\/silly-demo created \(dry run\)$/m, format);
  }
});
