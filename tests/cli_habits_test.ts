/**
 * kubectl habits, one error style, help and examples, the seed's command
 * lines: the CLI's surface without a cluster.
 */
import assert from "node:assert/strict";
import { commandTree } from "../commands/cli.ts";
import { allNodes } from "../lib/completion/tree.ts";
import { runCli, spawnCli } from "./helpers/cli.ts";

Deno.test("-ojson, -o=json, --output=json and -o json before the verb all mean the same", async () => {
  const expected = (await runCli(["apply", "dev", "bob", "--dry-run", "-o", "json"])).stdout;
  assert.equal(JSON.parse(expected).kind, "List");
  for (
    const args of [
      ["apply", "dev", "bob", "--dry-run", "-ojson"],
      ["apply", "dev", "bob", "--dry-run", "-o=json"],
      ["apply", "dev", "bob", "--dry-run", "--output=json"],
      ["-o", "json", "apply", "dev", "bob", "--dry-run"],
      ["-ojson", "apply", "dev", "bob", "--dry-run"],
      ["apply", "-o", "json", "dev", "bob", "--dry-run"],
    ]
  ) {
    const result = await runCli(args, { isTerminal: true });
    assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
    assert.equal(result.stdout, expected, args.join(" "));
  }
});

Deno.test("global flags before the verb reach it: platform --kubeconfig x list dev", async () => {
  const missing = "/nonexistent/kubeconfig.yaml";
  const result = await runCli(["--kubeconfig", missing, "list", "dev"]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`^error: no kubeconfig found \\(looked at ${missing}\\)`));
});

Deno.test("-o name prints kubectl's kind.group/name for manifests; -o yaml is a stream kubectl reads", async () => {
  const names = await runCli(["apply", "dev", "bob", "--dry-run", "-o", "name"]);
  assert.equal(names.code, 0, names.stderr);
  assert.deepEqual(names.stdout.trim().split("\n"), [
    "deployment.apps/silly-demo",
    "service/silly-demo",
    "ingress.networking.k8s.io/silly-demo",
  ]);
  const yaml = await runCli(["apply", "dev", "bob", "--dry-run", "-o", "yaml"]);
  assert.equal(yaml.stdout.split(/^---$/m).length, 3);
  const version = await runCli(["version", "-o", "name"]);
  assert.equal(version.code, 2);
  assert.match(version.stderr, /^error: -o name: this command's records have no name/m);
});

Deno.test("bare platform prints the help and exits 0", async () => {
  const result = await spawnCli([]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Usage: platform COMMAND/m);
  assert.equal(result.stderr, "");
});

Deno.test("a typo gets did-you-mean: verbs, subcommands and options", async () => {
  const verb = await runCli(["lst", "dev"]);
  assert.equal(verb.code, 2);
  assert.equal(
    verb.stderr,
    'error: unknown command "lst" for "platform"\nhint: did you mean platform list?\n',
  );
  const sub = await runCli(["apply", "dvv", "alice"]);
  assert.match(sub.stderr, /hint: did you mean platform apply dev\?/);
  const far = await runCli(["frobnicate"]);
  assert.match(far.stderr, /^hint: one of setup, destroy, apply/m);
  const option = await runCli(["apply", "dev", "bob", "--dry-rn"]);
  assert.equal(option.code, 2);
  assert.match(option.stderr, /^hint: did you mean --dry-run\?$/m);
  assert.match(option.stderr, /^hint: see platform apply dev --help$/m);
});

Deno.test("one error style: every error line starts with a lowercase 'error: '", async () => {
  for (
    const args of [
      [],
      ["lst"],
      ["apply", "dev"],
      ["apply", "dev", "bob", "--port", "x"],
      ["apply", "dev", "bob", "--timeout", "soon"],
      ["apply", "dev", "bob", "--frobnicate"],
      ["completions"],
      ["completions", "tcsh"],
      ["list", "dev", "-o", "xml"],
      ["apply", "dev", "Bob", "--dry-run"],
    ]
  ) {
    const { stderr } = await runCli(args);
    for (const line of stderr.split("\n").filter(Boolean)) {
      assert.match(
        line,
        /^(error|hint|cause): (?:\S+: )?[^A-Z]|^ {2}/,
        `${args.join(" ")}: ${line}`,
      );
    }
    assert.ok(!/Error:/.test(stderr), `${args.join(" ")}: ${stderr}`);
  }
});

Deno.test("every verb's --help ends with examples", async () => {
  const leaves = allNodes(commandTree()).filter((node) =>
    !node.children.length && node.path[0] !== "help"
  );
  assert.ok(leaves.length >= 15);
  for (const node of leaves) {
    const result = await runCli([...node.path, "--help"]);
    assert.equal(result.code, 0, node.path.join(" "));
    assert.match(result.stdout, /^Examples:\n {2}platform /m, node.path.join(" "));
  }
});

Deno.test("the seed's uninstall dev <user> --db <secret> is accepted; --db is ignored with a note", async () => {
  const result = await runCli([
    "uninstall",
    "dev",
    "alice",
    "--db",
    "silly-demo-db",
    "--kubeconfig",
    "/nonexistent",
  ]);
  assert.notEqual(result.code, 2, result.stderr);
  assert.match(result.stderr, /--db is not needed to uninstall .*; ignored/);
});

Deno.test("completions <shell> prints the script as it is, whatever the output format", async () => {
  const piped = await runCli(["completions", "bash"]);
  assert.match(piped.stdout, /^# bash completion for platform/);
  assert.equal((await runCli(["completions", "bash", "-o", "json"])).stdout, piped.stdout);
  const unknown = await runCli(["completions", "tcsh"]);
  assert.equal(unknown.code, 2);
});

Deno.test("__complete prints nothing and exits 0 on any failure", async () => {
  const dead = await Deno.makeTempFile({ suffix: ".yaml" });
  await Deno.writeTextFile(
    dead,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:2" } }],
      users: [{ name: "u", user: { token: "t" } }],
      contexts: [{ name: "one", context: { cluster: "c", user: "u" } }, {
        name: "two",
        context: { cluster: "c", user: "u" },
      }],
      "current-context": "one",
    }),
  );
  for (
    const args of [
      ["__complete", "namespaces", "--kubeconfig", dead],
      ["__complete", "users", "--kubeconfig", "/nonexistent"],
      ["__complete", "bogus"],
    ]
  ) {
    const result = await spawnCli(args);
    assert.deepEqual([result.code, result.stdout, result.stderr], [0, "", ""], args.join(" "));
  }
  const contexts = await spawnCli(["__complete", "contexts", "--kubeconfig", dead]);
  assert.equal(contexts.stdout, "one\ntwo\n");
});
