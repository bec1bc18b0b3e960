/** YAML as platform reads and writes it: YAML 1.1 in (kubeconfigs as kubectl reads them), values that survive any reader out, errors with a position. */
import assert from "node:assert/strict";
import { parseYamlDocument, parseYamlStream, toYaml, toYamlStream } from "../../lib/yaml.ts";
import { PlatformError } from "../../lib/errors.ts";

Deno.test("a kubectl-written kubeconfig parses, YAML 1.1 words are booleans, quoted ones stay strings", () => {
  const text = [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: kind-dev",
    "  cluster:",
    "    server: https://127.0.0.1:6443",
    "    insecure-skip-tls-verify: yes",
    "users:",
    '- name: "yes"',
    "  user: {token: abc}",
    "contexts: []",
    'current-context: ""',
    "",
  ].join("\n");
  assert.deepEqual(parseYamlDocument(text, "k.yaml"), {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{
      name: "kind-dev",
      cluster: { server: "https://127.0.0.1:6443", "insecure-skip-tls-verify": true },
    }],
    users: [{ name: "yes", user: { token: "abc" } }],
    contexts: [],
    "current-context": "",
  });
});

Deno.test("a JSON kubeconfig parses as the same document", () => {
  const document = { apiVersion: "v1", kind: "Config", clusters: [], "current-context": "x" };
  assert.deepEqual(parseYamlDocument(JSON.stringify(document), "k.json"), document);
});

Deno.test("broken YAML names the file, line and column, with a hint", () => {
  assert.throws(
    () => parseYamlDocument("apiVersion: v1\nclusters:\n  - name: [unclosed\n", "/tmp/k.yaml"),
    (error: unknown) =>
      error instanceof PlatformError &&
      /^\/tmp\/k\.yaml:\d+:\d+: not valid YAML: /.test(error.message) &&
      Boolean(error.hint?.includes("YAML")),
  );
});

Deno.test("written YAML reads back the same under YAML 1.1 and 1.2 words alike", () => {
  const value = {
    words: ["on", "off", "yes", "no", "y", "n", "true", "null", "~", "12:30", "0o17", "1e3", ".5"],
    numbers: [1, 0.5, -3],
    empty: "",
    multiline: "line one\nline two\n",
    long: "x".repeat(300),
    unicode: "Zoë's café, 東京",
  };
  const text = toYaml(value);
  assert.deepEqual(parseYamlDocument(text, "out"), value);
  for (const word of ["on", "yes", "no", "12:30"]) {
    assert.ok(text.includes(`"${word}"`), `${word} is quoted in:\n${text}`);
  }
  assert.ok(!text.includes("\n    x"), "a long string stays on one line");
});

Deno.test("undefined keys are left out and a shared object is written twice, never as an alias", () => {
  const shared = { name: "db" };
  const text = toYaml({ a: shared, b: shared, gone: undefined });
  assert.ok(!text.includes("&") && !text.includes("*"), text);
  assert.deepEqual(parseYamlDocument(text, "out"), { a: { name: "db" }, b: { name: "db" } });
});

Deno.test("a stream drops empty documents and keeps the order of the rest", () => {
  const text = toYamlStream([{ kind: "A" }, { kind: "B" }]);
  assert.deepEqual(parseYamlStream(`---\n${text}---\n# only a comment\n`, "s.yaml"), [
    { kind: "A" },
    { kind: "B" },
  ]);
});

Deno.test("a broken document deep in a stream names its line; a duplicate key is refused", () => {
  assert.throws(
    () => parseYamlStream("a: 1\n---\nb: 2\n---\nc: [\n", "s.yaml"),
    (error: unknown) => error instanceof PlatformError && /^s\.yaml:[56]:\d+: /.test(error.message),
  );
  assert.throws(
    () => parseYamlStream("a: 1\na: 2\n", "d.yaml"),
    (error: unknown) =>
      error instanceof PlatformError && /^d\.yaml:2:\d+: .*duplicate/i.test(error.message),
  );
});
