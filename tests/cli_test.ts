/**
 * The CLI's contract without a cluster: exit codes, errors with hints,
 * nothing sent for bad input or --dry-run, output formats, completions.
 */
import assert from "node:assert/strict";
import { parseYamlStream, toYamlStream } from "../mod.ts";
import { countingServer, runCli, spawnCli, writeKubeconfig } from "./helpers/cli.ts";

Deno.test("apply dev refuses an invalid user name with exit 2 before any request is sent", async () => {
  const server = countingServer();
  try {
    const kubeconfig = await writeKubeconfig(`https://127.0.0.1:${server.port}`);
    for (const name of ["Alice", "al.ice", "al_ice", "a".repeat(64), ""]) {
      const result = await runCli(["apply", "dev", name, "--kubeconfig", kubeconfig]);
      assert.equal(result.code, 2, `${name}: ${result.stderr}`);
      assert.match(result.stderr, /^error: invalid user name/m);
      assert.match(result.stderr, /^hint: /m);
      assert.equal(result.stdout, "");
    }
    assert.equal(server.connections(), 0, "no connection was made to the API server");
  } finally {
    server.close();
  }
});

Deno.test("apply dev --db refuses a secret-store key outside the app's rule, naming the rule, before any request", async () => {
  const server = countingServer();
  try {
    const kubeconfig = await writeKubeconfig(`https://127.0.0.1:${server.port}`);
    const cwd = await Deno.makeTempDir();
    const refused = await runCli(
      ["apply", "dev", "alice", "--db", "prod-admin-creds", "--kubeconfig", kubeconfig],
      { cwd },
    );
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /^error: --db prod-admin-creds is not a secret silly-demo may use: the rule is silly-demo-\*$/m,
    );
    assert.match(refused.stderr, /^hint: .*db\.allow in platform\.yaml/m);
    await Deno.writeTextFile(`${cwd}/platform.yaml`, "db:\n  allow: [shared-postgres, team-a-*]\n");
    const listed = await runCli(
      ["apply", "dev", "alice", "--db", "team-b-db", "--kubeconfig", kubeconfig],
      { cwd },
    );
    assert.match(listed.stderr, /the rule is shared-postgres, team-a-\*/);
    assert.equal(server.connections(), 0, "no connection was made to the API server");
    const allowed = await runCli(
      ["apply", "dev", "alice", "--db", "team-a-db", "--dry-run", "-o", "json"],
      { cwd },
    );
    assert.equal(allowed.code, 0, allowed.stderr);
  } finally {
    server.close();
  }
});

Deno.test("apply dev --dry-run prints manifests that parse and round-trip, and contacts nothing", async () => {
  const server = countingServer();
  try {
    const kubeconfig = await writeKubeconfig(`https://127.0.0.1:${server.port}`);
    const result = await runCli([
      "apply",
      "dev",
      "bob",
      "--dry-run",
      "-o",
      "yaml",
      "--db",
      "silly-demo-db",
      "--kubeconfig",
      kubeconfig,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const documents = parseYamlStream(result.stdout, "stdout") as {
      kind: string;
      metadata: { namespace: string };
    }[];
    assert.deepEqual(documents.map((doc) => doc.kind), [
      "ExternalSecret",
      "Deployment",
      "Service",
      "Ingress",
    ]);
    assert.ok(documents.every((doc) => doc.metadata.namespace === "bob"));
    assert.equal(toYamlStream(documents), result.stdout, "YAML output round-trips byte for byte");
    const json = await runCli([
      "apply",
      "dev",
      "bob",
      "--dry-run",
      "-o",
      "json",
      "--template",
      "claim",
    ]);
    const list = JSON.parse(json.stdout);
    assert.equal(list.apiVersion, "v1");
    assert.equal(list.kind, "List", "what kubectl apply -f - reads");
    assert.equal(list.items[0].spec.id, "bob-silly-demo");
    assert.equal(server.connections(), 0);
  } finally {
    server.close();
  }
});

Deno.test("no kubeconfig: a clear error with a hint and exit 1", async () => {
  const home = await Deno.makeTempDir();
  const old = Deno.env.get("HOME");
  Deno.env.set("HOME", home);
  const oldKubeconfig = Deno.env.get("KUBECONFIG");
  Deno.env.delete("KUBECONFIG");
  try {
    const result = await runCli(["list", "dev"], { cwd: home });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: no kubeconfig found/);
    assert.match(result.stderr, /hint: .*--kubeconfig/);
  } finally {
    if (old) Deno.env.set("HOME", old);
    if (oldKubeconfig) Deno.env.set("KUBECONFIG", oldKubeconfig);
  }
});

Deno.test("an unknown context is refused naming the contexts the kubeconfig has", async () => {
  const kubeconfig = await writeKubeconfig("https://127.0.0.1:1", { contexts: ["dev", "prod"] });
  const result = await runCli(["list", "dev", "--kubeconfig", kubeconfig, "--context", "staging"]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /context "staging" is not in kubeconfig/);
  assert.match(result.stderr, /hint: known contexts: dev, prod/);
});

Deno.test("an API server that refuses connections: the error names the server, exit 1, within seconds", async () => {
  const port = 2; // nothing listens there on our machines (and fetch does not block it)
  const kubeconfig = await writeKubeconfig(`https://127.0.0.1:${port}`);
  const started = performance.now();
  const result = await runCli(["list", "dev", "--kubeconfig", kubeconfig]);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    new RegExp(
      `cannot reach the Kubernetes API server https://127.0.0.1:${port}.*connection refused`,
    ),
  );
  assert.match(result.stderr, /hint: check that the cluster is running/);
  assert.ok(performance.now() - started < 5_000);
});

Deno.test("an API server that never answers: the error names the server after the connect timeout", async () => {
  const silent = countingServer();
  try {
    const kubeconfig = await writeKubeconfig(`https://127.0.0.1:${silent.port}`);
    const result = await spawnCli(["list", "dev", "--kubeconfig", kubeconfig], {
      timeoutMs: 30_000,
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /cannot reach the Kubernetes API server .*no answer within 5 s/);
    assert.ok(result.ms < 15_000, `took ${result.ms} ms`);
  } finally {
    silent.close();
  }
});

Deno.test("an unknown flag or verb is a usage error with exit 2", async () => {
  assert.equal((await runCli(["apply", "dev", "bob", "--frobnicate"])).code, 2);
  assert.equal((await runCli(["deploy"])).code, 2);
  const timeout = await runCli(["apply", "dev", "bob", "--dry-run", "--timeout", "soon"]);
  assert.equal(timeout.code, 2);
  assert.match(timeout.stderr, /invalid duration "soon"/);
});

Deno.test("completions are generated for bash, zsh, fish and nu", async () => {
  for (const shell of ["bash", "zsh", "fish", "nu"]) {
    const result = await runCli(["completions", shell]);
    assert.equal(result.code, 0, shell);
    assert.match(result.stdout, /platform/, shell);
    assert.ok(result.stdout.length > 200, shell);
  }
  const bash = await runCli(["completions", "bash"]);
  const check = new Deno.Command("bash", { args: ["-n"], stdin: "piped" }).spawn();
  const writer = check.stdin.getWriter();
  await writer.write(new TextEncoder().encode(bash.stdout));
  await writer.close();
  assert.equal((await check.status).code, 0, "the bash script parses");
});

Deno.test("version is a record: a table on a terminal, JSON when piped", async () => {
  const piped = await runCli(["version"]);
  assert.equal(JSON.parse(piped.stdout).platform, "0.1.0");
  const terminal = await runCli(["version"], { isTerminal: true });
  assert.match(terminal.stdout, /^platform:\s+0\.1\.0$/m);
  const yaml = await runCli(["version", "-o", "yaml"]);
  assert.match(yaml.stdout, /^deno: /m);
});

Deno.test("the real binary entry prints help and exits 0", async () => {
  const result = await spawnCli(["--help"]);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /^Usage: platform COMMAND/m);
  assert.match(result.stdout, /^ {2}apply +Create or update/m);
  assert.equal(result.stderr, "");
});
