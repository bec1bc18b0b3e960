import assert from "node:assert/strict";
import { mergeSettings, PlatformError } from "../../mod.ts";
import {
  type KubeconfigDocument,
  mergeKubeconfigs,
  readKubeconfigs,
} from "../../lib/kube/kubeconfig.ts";

const cluster = (name: string, server: string, extra: Record<string, unknown> = {}) => ({
  name,
  cluster: { server, ...extra },
});
const context = (name: string, clusterName: string, user: string) => ({
  name,
  context: { cluster: clusterName, user },
});

Deno.test("merged kubeconfigs: the first file to name a cluster, user or context wins it", () => {
  const a: KubeconfigDocument = {
    clusters: [cluster("shared", "https://a")],
    contexts: [context("dev", "shared", "alice")],
  };
  const b: KubeconfigDocument = {
    "current-context": "prod",
    clusters: [cluster("shared", "https://b"), cluster("prod", "https://prod")],
    users: [{ name: "alice", user: { token: "t" } }],
    contexts: [context("dev", "prod", "bob"), context("prod", "prod", "alice")],
  };
  const merged = mergeKubeconfigs([
    { path: "/a/config", document: a },
    { path: "/b/config", document: b },
  ]);
  assert.deepEqual(
    merged.clusters?.map((c) => [c.name, (c.cluster as { server: string }).server]),
    [
      ["shared", "https://a"],
      ["prod", "https://prod"],
    ],
  );
  assert.deepEqual(merged.contexts?.map((c) => [c.name, (c.context as { user: string }).user]), [
    ["dev", "alice"],
    ["prod", "alice"],
  ]);
  assert.deepEqual(merged.users?.map((u) => u.name), ["alice"]);
  assert.equal(merged["current-context"], "prod", "from the first file that sets one");
});

Deno.test("merged kubeconfigs: current-context comes from the first file that has one", () => {
  const merged = mergeKubeconfigs([
    { path: "/a", document: { "current-context": "" } },
    { path: "/b", document: { "current-context": "first" } },
    { path: "/c", document: { "current-context": "second" } },
  ]);
  assert.equal(merged["current-context"], "first");
});

Deno.test("relative paths in each kubeconfig stay relative to the file that declares them", () => {
  const merged = mergeKubeconfigs([
    {
      path: "/etc/kube/clusters.yaml",
      document: {
        clusters: [cluster("c", "https://c", { "certificate-authority": "pki/ca.crt" })],
      },
    },
    {
      path: "/home/me/users.yaml",
      document: {
        users: [
          { name: "cert", user: { "client-certificate": "me.crt", "client-key": "./me.key" } },
          { name: "token", user: { tokenFile: "secrets/token" } },
          { name: "exec", user: { exec: { command: "bin/login", args: ["x"] } } },
          { name: "path", user: { exec: { command: "gke-gcloud-auth-plugin" } } },
          { name: "abs", user: { "client-certificate": "/abs/me.crt" } },
        ],
      },
    },
  ]);
  const users = Object.fromEntries(
    (merged.users ?? []).map((u) => [u.name, u.user as Record<string, unknown>]),
  );
  assert.equal(
    (merged.clusters?.[0].cluster as Record<string, unknown>)["certificate-authority"],
    "/etc/kube/pki/ca.crt",
  );
  assert.equal(users.cert["client-certificate"], "/home/me/me.crt");
  assert.equal(users.cert["client-key"], "/home/me/me.key");
  assert.equal(users.token.tokenFile, "/home/me/secrets/token");
  assert.equal(users.token["token-file"], "/home/me/secrets/token", "what client-node reads");
  assert.equal((users.exec.exec as { command: string }).command, "/home/me/bin/login");
  assert.equal(
    (users.path.exec as { command: string }).command,
    "gke-gcloud-auth-plugin",
    "a program on PATH stays as it is",
  );
  assert.equal(users.abs["client-certificate"], "/abs/me.crt");
});

Deno.test("a KUBECONFIG list is read in order; files that do not exist are skipped", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/one`);
    await Deno.writeTextFile(
      `${dir}/one/a.yaml`,
      "clusters:\n- name: c\n  cluster:\n    server: https://c\n    certificate-authority: ca.crt\n" +
        "contexts:\n- name: ctx\n  context: {cluster: c, user: u}\ncurrent-context: ctx\n",
    );
    await Deno.writeTextFile(
      `${dir}/b.yaml`,
      "users:\n- name: u\n  user:\n    client-certificate: u.crt\n    client-key: u.key\n",
    );
    const loaded = readKubeconfigs(`one/a.yaml:${dir}/missing.yaml:b.yaml`, { env: {}, cwd: dir });
    assert.deepEqual(loaded.paths, [`${dir}/one/a.yaml`, `${dir}/b.yaml`]);
    assert.equal(loaded.document["current-context"], "ctx");
    assert.equal(
      (loaded.document.clusters?.[0].cluster as Record<string, unknown>)["certificate-authority"],
      `${dir}/one/ca.crt`,
    );
    assert.equal(
      (loaded.document.users?.[0].user as Record<string, unknown>)["client-key"],
      `${dir}/u.key`,
    );
    // Without a given list, $KUBECONFIG of the environment passed is the list.
    const fromEnv = readKubeconfigs(undefined, {
      env: { KUBECONFIG: `${dir}/one/a.yaml:${dir}/b.yaml` },
      cwd: "/",
    });
    assert.equal(fromEnv.paths.length, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("no file of the list exists: no kubeconfig found, naming every file looked at", () => {
  assert.throws(
    () => readKubeconfigs("/nope/a.yaml:/nope/b.yaml", { env: {} }),
    (error: unknown) =>
      error instanceof PlatformError &&
      error.message === "no kubeconfig found (looked at /nope/a.yaml, /nope/b.yaml)" &&
      /--kubeconfig/.test(error.hint ?? ""),
  );
});

Deno.test("a KUBECONFIG list in .env resolves each relative entry from the directory of .env", () => {
  const settings = mergeSettings({
    baseDir: "/repo",
    dotenvDir: "/repo/app",
    dotenv: { KUBECONFIG: "kube/a.yaml:/abs/b.yaml" },
    env: {},
    flags: {},
  });
  assert.equal(settings.kubeconfig, "/repo/app/kube/a.yaml:/abs/b.yaml");
});
