/** The command tree: read from the parsers, and what it drives (kubectl habits, did-you-mean). */
import assert from "node:assert/strict";
import { commandShape, commandTree } from "../../commands/cli.ts";
import {
  allNodes,
  closest,
  type CommandNode,
  editDistance,
  nodeAt,
  normalizeArgs,
  resolveCommand,
} from "../../lib/completion/tree.ts";
import { completionScript } from "../../lib/completion/scripts.ts";

const tree = commandTree();

Deno.test("the tree has every verb path, with options, arguments and completers from the parsers", () => {
  const leaves = allNodes(tree).filter((node) => !node.children.length).map((node) =>
    node.path.join(" ")
  );
  for (
    const path of [
      "apply dev",
      "uninstall dev",
      "list dev",
      "status dev",
      "get resources",
      "completions",
      "shell-init",
      "init",
      "version",
    ]
  ) assert.ok(leaves.includes(path), path);
  const apply = nodeAt(tree, ["apply", "dev"])!;
  assert.deepEqual(apply.args.map((arg) => [arg.metavar, arg.completer.dynamic]), [[
    "USER",
    "users",
  ]]);
  const byName = (name: string) => apply.options.find((option) => option.names.includes(name))!;
  assert.equal(byName("--kubeconfig").completer.files, true);
  assert.equal(byName("--config").completer.files, true);
  assert.deepEqual(byName("--template").completer, {
    values: ["auto", "manifests", "claim"],
    files: true,
  });
  assert.equal(byName("--context").completer.dynamic, "contexts");
  assert.equal(byName("-n").completer.dynamic, "namespaces");
  assert.ok(byName("-o").completer.values?.includes("name"));
  assert.equal(byName("--dry-run").metavar, undefined, "a flag takes no value");
  assert.deepEqual(nodeAt(tree, ["completions"])!.args[0].completer.values, [
    "bash",
    "zsh",
    "fish",
    "nu",
  ]);
  assert.equal(nodeAt(tree, ["get", "resources"])!.args[0].completer.dynamic, "resource-types");
  // Global options are accepted (and completed) before the verb too.
  assert.ok(tree.options.some((option) => option.names.includes("--kubeconfig")));
});

Deno.test("the shape every run reads (from usage) is the tree (from doc pages) without descriptions", () => {
  // main normalizes argv and finds the verb on the shape; option order does not matter there.
  const bare = (node: CommandNode) => ({
    path: node.path,
    children: node.children.map((child) => child.name),
    args: node.args.map(({ metavar, completer }) => ({ metavar, completer })),
    options: node.options.map(({ names, metavar, completer }) => ({ names, metavar, completer }))
      .sort((a, b) => a.names[0].localeCompare(b.names[0])),
  });
  assert.deepEqual(allNodes(commandShape()).map(bare), allNodes(tree).map(bare));
});

Deno.test("kubectl habits: -ojson and -o=json split, options before the verb move behind it", () => {
  assert.deepEqual(normalizeArgs(tree, ["list", "dev", "-ojson"]), ["list", "dev", "-o", "json"]);
  assert.deepEqual(normalizeArgs(tree, ["list", "dev", "-o=yaml"]), ["list", "dev", "-o", "yaml"]);
  assert.deepEqual(normalizeArgs(tree, ["list", "dev", "-nalice"]), [
    "list",
    "dev",
    "-n",
    "alice",
  ]);
  assert.deepEqual(normalizeArgs(tree, ["-o", "json", "list", "dev"]), [
    "list",
    "dev",
    "-o",
    "json",
  ]);
  assert.deepEqual(normalizeArgs(tree, ["--kubeconfig", "x", "list", "-v", "dev", "--user", "a"]), [
    "list",
    "dev",
    "--kubeconfig",
    "x",
    "-v",
    "--user",
    "a",
  ]);
  assert.deepEqual(normalizeArgs(tree, ["--output=json", "version"]), ["version", "--output=json"]);
  // A value that looks like an option stays the value; words after -- are untouched.
  assert.deepEqual(normalizeArgs(tree, ["apply", "dev", "a", "--tag", "-ojson"]), [
    "apply",
    "dev",
    "a",
    "--tag",
    "-ojson",
  ]);
  assert.deepEqual(normalizeArgs(tree, ["apply", "dev", "--", "-ojson"]), [
    "apply",
    "dev",
    "--",
    "-ojson",
  ]);
  // Boolean short flags are left alone; an unknown verb leaves the line as it was.
  assert.deepEqual(normalizeArgs(tree, ["gc", "-A"]), ["gc", "-A"]);
  assert.deepEqual(normalizeArgs(tree, ["-o", "json", "lst"]), ["-o", "json", "lst"]);
});

Deno.test("resolveCommand follows the verbs past options and reports an unknown word", () => {
  assert.deepEqual(resolveCommand(tree, ["-o", "json", "list", "dev"]).path, ["list", "dev"]);
  const typo = resolveCommand(tree, ["apply", "dvv", "alice"]);
  assert.deepEqual([typo.path, typo.unknown], [["apply"], "dvv"]);
  assert.equal(resolveCommand(tree, ["apply", "dev", "alice"]).unknown, undefined);
});

Deno.test("did-you-mean: close words first, nothing for far ones", () => {
  const verbs = tree.children.map((child) => child.name);
  assert.deepEqual(closest("lst", verbs), ["list"]);
  assert.deepEqual(closest("aplly", verbs), ["apply"]);
  assert.deepEqual(closest("stauts", verbs), ["status"]);
  assert.deepEqual(closest("frobnicate", verbs), []);
  assert.equal(editDistance("ab", "ba"), 1);
  assert.equal(editDistance("", "abc"), 3);
});

Deno.test("each completion script carries the whole tree: every verb and option appears in it", () => {
  for (const shell of ["bash", "zsh", "fish", "nu"] as const) {
    const script = completionScript(shell, tree);
    for (const node of allNodes(tree)) {
      for (const child of node.children) assert.ok(script.includes(child.name), child.name);
      for (const option of node.options) {
        for (const name of option.names) assert.ok(script.includes(name), `${shell} ${name}`);
      }
    }
    // The CLI runs only for values of the kubeconfig or the cluster.
    const runs = script.split("\n").filter((line) =>
      /(^|[^\w])(_platform_cmd|__platform_cmd|run-external) /.test(line) &&
      !/^\s*(function |_platform_cmd\(\))/.test(line)
    );
    assert.ok(runs.length >= 1, shell);
    for (const line of runs) assert.match(line, /__complete/, `${shell}: ${line}`);
  }
});
