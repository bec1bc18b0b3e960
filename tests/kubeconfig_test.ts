/**
 * KUBECONFIG with several files, against the real test cluster: the files
 * are merged as kubectl merges them, and relative paths in each stay
 * relative to the file that declares them.
 */
import assert from "node:assert/strict";
import { Kube } from "../mod.ts";
import { parseYaml, toYaml } from "../lib/yaml.ts";
import { testCluster } from "./helpers/cluster.ts";
import { runCli } from "./helpers/cli.ts";

const cluster = await testCluster();

type Entry = { name: string; [key: string]: Record<string, unknown> | string };
type Config = { clusters: Entry[]; users: Entry[]; contexts: Entry[]; "current-context": string };

/**
 * Splits the test cluster's kubeconfig in two files in two directories:
 * clusters and contexts in one, users in the other, each with its
 * certificates copied beside it and named by a relative path.
 */
async function splitKubeconfig(root: string): Promise<{ clusters: string; users: string }> {
  const config = parseYaml(await Deno.readTextFile(cluster.kubeconfigPath), "kubeconfig") as Config;
  await Deno.mkdir(`${root}/clusters/pki`, { recursive: true });
  await Deno.mkdir(`${root}/users/certs`, { recursive: true });
  const copy = async (from: string, to: string) => {
    await Deno.copyFile(from, `${root}/${to}`);
    return to.split("/").slice(1).join("/"); // relative to the file's directory
  };
  const clusters = await Promise.all(config.clusters.map(async (entry) => {
    const body = { ...(entry.cluster as Record<string, unknown>) };
    if (typeof body["certificate-authority"] === "string") {
      body["certificate-authority"] = await copy(
        body["certificate-authority"],
        `clusters/pki/${entry.name}-ca.crt`,
      );
    }
    return { name: entry.name, cluster: body };
  }));
  const users = await Promise.all(config.users.map(async (entry) => {
    const body = { ...(entry.user as Record<string, unknown>) };
    for (const key of ["client-certificate", "client-key"]) {
      if (typeof body[key] === "string") {
        body[key] = await copy(body[key] as string, `users/certs/${entry.name}-${key}`);
      }
    }
    return { name: entry.name, user: body };
  }));
  const paths = { clusters: `${root}/clusters/a.yaml`, users: `${root}/users/b.yaml` };
  await Deno.writeTextFile(
    paths.clusters,
    toYaml({
      apiVersion: "v1",
      kind: "Config",
      clusters,
      contexts: config.contexts,
      "current-context": config["current-context"],
    }),
  );
  await Deno.writeTextFile(paths.users, toYaml({ apiVersion: "v1", kind: "Config", users }));
  return paths;
}

Deno.test("KUBECONFIG=a:b (clusters and contexts in one file, users in the other) reaches the cluster", async () => {
  const root = await Deno.makeTempDir({ prefix: "platform-kubeconfig-split-" });
  try {
    const { clusters, users } = await splitKubeconfig(root);
    const workdir = `${root}/work`;
    await Deno.mkdir(workdir);
    for (const list of [`${clusters}:${users}`, `${users}:${clusters}`]) {
      const result = await runCli(["list", "dev", "-o", "json"], {
        env: { KUBECONFIG: list, HOME: root },
        cwd: workdir,
      });
      assert.equal(result.code, 0, `KUBECONFIG=${list}: ${result.stderr}`);
      assert.ok(Array.isArray(JSON.parse(result.stdout)), "list dev printed its records");
    }
    // A file of the list that does not exist is skipped, as kubectl skips it.
    const skipped = await runCli(["list", "dev", "-o", "json"], {
      env: { KUBECONFIG: `${root}/missing.yaml:${clusters}:${users}`, HOME: root },
      cwd: workdir,
    });
    assert.equal(skipped.code, 0, skipped.stderr);
    // The library takes the same list.
    const kube = await Kube.connect({ kubeconfig: `${clusters}:${users}` });
    assert.deepEqual(kube.kubeconfigPaths, [clusters, users]);
    assert.match((await kube.version()).gitVersion, /^v1\./);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("with only the clusters file, the same verb fails on credentials, not on a missing kubeconfig", async () => {
  const root = await Deno.makeTempDir({ prefix: "platform-kubeconfig-split-" });
  try {
    const { clusters } = await splitKubeconfig(root);
    const result = await runCli(["list", "dev", "-o", "json"], {
      env: { KUBECONFIG: clusters, HOME: root },
      cwd: root,
    });
    assert.equal(result.code, 1);
    assert.doesNotMatch(result.stderr, /no kubeconfig found/);
    assert.match(result.stderr, /401 Unauthorized|forbidden|not allowed/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
