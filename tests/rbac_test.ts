/**
 * A developer whose rights end at their own namespace — the usual RBAC on a
 * shared cluster — uses every dev verb on their environment: apply (with
 * and without a session), list, status, gc and uninstall. The identity is a
 * ServiceAccount token with a Role in that namespace and nothing
 * cluster-wide, not even `get namespaces`.
 */
import assert from "node:assert/strict";
import { Kube } from "../mod.ts";
import { testCluster } from "./helpers/cluster.ts";
import { runCli } from "./helpers/cli.ts";
import { namespacedDeveloper } from "./helpers/rbac.ts";
import { answers, appCopy, startPlatform } from "./helpers/session.ts";

const cluster = await testCluster();
const kube = await Kube.connect({ kubeconfig: cluster.kubeconfigPath });
const denoDir = Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`;

/** The same kubeconfig with no namespace in its context. */
async function withoutNamespace(path: string): Promise<string> {
  const config = JSON.parse(await Deno.readTextFile(path));
  delete config.contexts[0].context.namespace;
  const copy = `${path}.bare.yaml`;
  await Deno.writeTextFile(copy, JSON.stringify(config));
  return copy;
}

Deno.test("a developer with rights only in their namespace uses every dev verb on their environment", async () => {
  const user = `narrow-${crypto.randomUUID().slice(0, 6)}`;
  const kubeconfig = await namespacedDeveloper(kube, user);
  const { dir, port } = await appCopy();
  const env = {
    KUBECONFIG: kubeconfig,
    INGRESS_HOST: "127.0.0.1.nip.io",
    HOME: dir,
    DENO_DIR: denoDir,
    PATH: Deno.env.get("PATH") ?? "",
  };
  const platform = (...args: string[]) => runCli(args, { env, cwd: dir });
  const verbs: string[] = [];
  try {
    const applied = await platform("apply", "dev", user, "--template", "manifests", "--no-session");
    assert.equal(applied.code, 0, applied.stderr);
    verbs.push("apply dev");

    const session = startPlatform(["apply", "dev", user, "--template", "manifests", "--session"], {
      cwd: dir,
      env,
    });
    try {
      await answers(port, "This is a silly demo");
      // The session's Lease is listed in their namespace once the cluster-wide list is refused.
      const during = await platform("list", "dev", "-o", "json");
      assert.equal(during.code, 0, during.stderr);
      const [row] = JSON.parse(during.stdout);
      assert.match(row.session, new RegExp(`^builtin ${user}@`));
    } finally {
      session.kill("SIGINT");
    }
    const ended = await session.finished;
    assert.equal(ended.code, 0, ended.stderr);
    assert.match(ended.stderr, /restored: 1 replica\(s\), spec hash \S+ verified/);
    verbs.push("apply dev --session");

    const elsewhere = await runCli(["list", "dev", "--context", "test", "-o", "json"], {
      env: { ...env, KUBECONFIG: await withoutNamespace(kubeconfig) },
      cwd: dir,
    });
    assert.equal(elsewhere.code, 1);
    assert.match(elsewhere.stderr, /hint: pass --user <you> to list your own namespace/);
    const listed = await platform("list", "dev", "-o", "json");
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).map((row: { user: string }) => row.user), [user]);
    assert.match(listed.stderr, new RegExp(`showing namespace ${user} only`));
    const mine = await platform("list", "dev", "--user", user, "-o", "json");
    assert.equal(mine.code, 0, mine.stderr);
    verbs.push("list dev");

    const status = await platform("status", "dev", user, "-o", "json");
    assert.equal(status.code, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).ready, true);
    verbs.push("status dev");

    const gc = await platform("gc", "-n", user, "-o", "json");
    assert.equal(gc.code, 0, gc.stderr);
    verbs.push("gc -n");

    const removed = await platform("uninstall", "dev", user, "-o", "json");
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(JSON.parse(removed.stdout).result, "deleted");
    assert.match(removed.stderr, /namespace .* kept: not allowed to read it/);
    verbs.push("uninstall dev");
    assert.equal(
      await kube.get({
        apiVersion: "apps/v1",
        kind: "Deployment",
        namespace: user,
        name: "silly-demo",
      }),
      undefined,
    );
    console.log(`verbs proven with namespace-scoped rights: ${verbs.join(", ")}`);
  } finally {
    await kube.delete({ apiVersion: "v1", kind: "Namespace", name: user });
  }
});
