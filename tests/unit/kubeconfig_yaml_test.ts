/** Kubeconfig text as kubectl reads it: YAML 1.1 (or JSON), errors with a position. */
import assert from "node:assert/strict";
import { parseKubeconfigText } from "../../lib/kube/kubeconfig_yaml.ts";
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
  assert.deepEqual(parseKubeconfigText(text, "k.yaml"), {
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
  assert.deepEqual(parseKubeconfigText(JSON.stringify(document), "k.json"), document);
});

Deno.test("broken YAML names the file, line and column, with a hint", () => {
  assert.throws(
    () => parseKubeconfigText("apiVersion: v1\nclusters:\n  - name: [unclosed\n", "/tmp/k.yaml"),
    (error: unknown) =>
      error instanceof PlatformError &&
      /^\/tmp\/k\.yaml:\d+:\d+: not valid YAML: /.test(error.message) &&
      Boolean(error.hint?.includes("YAML")),
  );
});
