/**
 * The whole inner loop on the local cluster, for real: apply dev starts a
 * builtin session against the example app, the forwarded port answers, a
 * saved edit shows up, a second developer is refused by name, deletions
 * sync, Ctrl-C restores and verifies; kill -9 is repaired by uninstall dev
 * and by gc; okteto's leftovers are repaired by gc.
 */
import assert from "node:assert/strict";
import { cp } from "node:fs/promises";
import { Kube } from "../mod.ts";
import { specHash } from "../lib/session/swap.ts";
import { podDir, testCluster } from "./helpers/cluster.ts";
import { runCli } from "./helpers/cli.ts";

const cluster = await testCluster();
const kube = await Kube.connect({ kubeconfig: cluster.kubeconfigPath });
const entry = new URL("../platform.ts", import.meta.url).pathname;
const example = new URL("../examples/silly-demo", import.meta.url).pathname;
const LEASE_SECONDS = 4;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A private copy of the example app forwarding a free local port; the repo's copy is never touched. */
async function appCopy(): Promise<{ dir: string; port: number }> {
  const dir = await Deno.makeTempDir({ prefix: "platform-session-" });
  await cp(example, dir, { recursive: true });
  const port = freePort();
  const yaml = await Deno.readTextFile(`${dir}/platform.yaml`);
  await Deno.writeTextFile(`${dir}/platform.yaml`, yaml.replace("- 8080:8080", `- ${port}:8080`));
  return { dir, port };
}

const env = (dir: string) => ({
  KUBECONFIG: cluster.kubeconfigPath,
  INGRESS_HOST: "127.0.0.1.nip.io",
  PLATFORM_SESSION_LEASE_SECONDS: String(LEASE_SECONDS),
  HOME: dir,
  PATH: Deno.env.get("PATH") ?? "",
});

/** Starts `platform apply dev <user>` as a real process in `dir`. */
function startSession(user: string, dir: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", entry, "apply", "dev", user, "-o", "json"],
    cwd: dir,
    env: env(dir),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  return { child, output };
}

async function get(port: number): Promise<string | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, {
      signal: AbortSignal.timeout(2000),
    });
    return (await response.text()).trim();
  } catch {
    return undefined;
  }
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const deployment = (namespace: string, name: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  name,
  namespace,
});
const lease = (namespace: string) => ({
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  name: "silly-demo-dev",
  namespace,
});

async function copyPod(namespace: string): Promise<string> {
  const pods = await kube.list("v1", "Pod", {
    namespace,
    labelSelector: "platform.dev/role=dev-copy",
  });
  return pods.items.find((pod) => !pod.metadata.deletionTimestamp)!.metadata.name!;
}

Deno.test("a builtin session: forward, edit, refuse a second developer, sync deletions, Ctrl-C restores", async () => {
  const user = `dev-${crypto.randomUUID().slice(0, 6)}`;
  const { dir, port } = await appCopy();
  const before = await runCli(["apply", "dev", user, "--no-session"], { env: env(dir), cwd: dir });
  assert.equal(before.code, 0, before.stderr);
  const original = await kube.get(deployment(user, "silly-demo"));
  const hashBefore = await specHash(original!.spec.template);

  const session = startSession(user, dir);
  try {
    assert.equal(await until("the forwarded port", () => get(port)), "This is a silly demo");
    const swapped = await kube.get(deployment(user, "silly-demo"));
    assert.equal(swapped!.spec.replicas, 0, "the original is scaled to 0");
    const record = JSON.parse(swapped!.metadata.annotations!["platform.dev/session-original"]);
    assert.deepEqual(record, { replicas: 1, specHash: hashBefore, copy: "silly-demo-dev" });

    await Deno.writeTextFile(
      `${dir}/message.js`,
      'export const message = "This is a changed demo";\n',
    );
    assert.equal(
      await until("the edit", async () => (await get(port)) === "This is a changed demo" && "yes"),
      "yes",
    );

    const second = await runCli(["apply", "dev", user], { env: env(dir), cwd: dir });
    assert.equal(second.code, 1);
    assert.match(
      second.stderr,
      new RegExp(`held by ${user} on \\S+ \\(pid \\d+, builtin\\) since `),
    );
    assert.match(second.stderr, /--takeover/);

    const listed = JSON.parse(
      (await runCli(["list", "dev", "--user", user], { env: env(dir), cwd: dir })).stdout,
    );
    assert.match(listed[0].session, new RegExp(`^builtin ${user}@`));

    const remote = `${podDir(user, await copyPod(user))}/app`;
    await Deno.writeTextFile(`${dir}/scratch.txt`, "temporary\n");
    await until(
      "scratch.txt in the container",
      () => Deno.stat(`${remote}/scratch.txt`).then(() => true, () => false),
    );
    await Deno.remove(`${dir}/scratch.txt`);
    await until(
      "scratch.txt gone from the container",
      () => Deno.stat(`${remote}/scratch.txt`).then(() => false, () => true),
    );
  } finally {
    session.child.kill("SIGINT");
  }
  const output = await session.output;
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  assert.match(
    stderr,
    new RegExp(
      `${user}/silly-demo restored: 1 replica\\(s\\), spec hash ${hashBefore} verified; lease released`,
    ),
  );
  const result = JSON.parse(new TextDecoder().decode(output.stdout));
  assert.equal(result.session.verified, true);

  const restored = await kube.get(deployment(user, "silly-demo"));
  assert.equal(restored!.spec.replicas, 1);
  assert.equal(await specHash(restored!.spec.template), hashBefore);
  assert.equal(restored!.metadata.annotations?.["platform.dev/session-original"], undefined);
  assert.equal(await kube.get(deployment(user, "silly-demo-dev")), undefined, "the copy is gone");
  assert.equal(await kube.get(lease(user)), undefined, "the lease is gone");
  assert.equal((await runCli(["uninstall", "dev", user], { env: env(dir), cwd: dir })).code, 0);
});

Deno.test("kill -9 mid-session: uninstall dev restores, then deletes everything", async () => {
  const user = `crash-${crypto.randomUUID().slice(0, 6)}`;
  const { dir, port } = await appCopy();
  const session = startSession(user, dir);
  await until("the forwarded port", () => get(port));
  session.child.kill("SIGKILL");
  await session.output;
  assert.ok(await kube.get(deployment(user, "silly-demo-dev")), "the crash left the copy behind");

  const removed = await runCli(["uninstall", "dev", user], { env: env(dir), cwd: dir });
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stderr, /session \(builtin\) ended; lease released/);
  for (
    const ref of [deployment(user, "silly-demo"), deployment(user, "silly-demo-dev"), lease(user)]
  ) {
    assert.equal(await kube.get(ref), undefined, `${ref.kind} ${ref.name} is gone`);
  }
});

Deno.test("kill -9 mid-session: once the lease expires, gc finds and repairs the leftovers", async () => {
  const user = `gc-${crypto.randomUUID().slice(0, 6)}`;
  const { dir, port } = await appCopy();
  assert.equal(
    (await runCli(["apply", "dev", user, "--no-session"], { env: env(dir), cwd: dir })).code,
    0,
  );
  const hash = await specHash((await kube.get(deployment(user, "silly-demo")))!.spec.template);
  const session = startSession(user, dir);
  await until("the forwarded port", () => get(port));
  session.child.kill("SIGKILL");
  await session.output;

  const live = JSON.parse(
    (await runCli(["gc", "-n", user, "--dry-run"], { env: env(dir), cwd: dir })).stdout,
  );
  assert.deepEqual(live, [], "a session whose lease is still valid is not a leftover");
  await new Promise((resolve) => setTimeout(resolve, (LEASE_SECONDS + 1) * 1000));
  const planned = JSON.parse(
    (await runCli(["gc", "-n", user, "--dry-run"], { env: env(dir), cwd: dir })).stdout,
  );
  assert.equal(planned.length, 1);
  assert.equal(planned[0].result, "would repair");
  assert.match(planned[0].holder, /lease expired/);
  assert.equal(
    (await kube.get(deployment(user, "silly-demo")))!.spec.replicas,
    0,
    "dry run changed nothing",
  );

  const repaired = await runCli(["gc", "-n", user], { env: env(dir), cwd: dir });
  assert.equal(repaired.code, 0, repaired.stderr);
  assert.match(
    repaired.stderr,
    new RegExp(`restored ${user}/silly-demo: 1 replica\\(s\\), spec hash ${hash} verified`),
  );
  const back = await kube.get(deployment(user, "silly-demo"));
  assert.equal(back!.spec.replicas, 1);
  assert.equal(back!.metadata.annotations?.["platform.dev/session-original"], undefined);
  assert.equal(await kube.get(deployment(user, "silly-demo-dev")), undefined);
  assert.equal(await kube.get(lease(user)), undefined);
  assert.equal((await runCli(["uninstall", "dev", user], { env: env(dir), cwd: dir })).code, 0);
});

Deno.test("gc repairs okteto's leftovers: the -okteto copy goes, the original scales back", async () => {
  const namespace = `okteto-${crypto.randomUUID().slice(0, 6)}`;
  await kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
  const spec = (replicas: number, app: string) => ({
    replicas,
    selector: { matchLabels: { app } },
    template: {
      metadata: { labels: { app } },
      spec: { containers: [{ name: "web", image: "web:1" }] },
    },
  });
  try {
    await kube.apply({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace },
      spec: spec(0, "web"),
    });
    await kube.apply({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web-okteto", namespace },
      spec: spec(1, "web-okteto"),
    });
    const result = await runCli(["gc", "-n", namespace], { env: env(Deno.cwd()), cwd: Deno.cwd() });
    assert.equal(result.code, 0, result.stderr);
    const records = JSON.parse(result.stdout);
    assert.deepEqual(
      records.map((r: { app: string; kind: string; result: string }) => [r.app, r.kind, r.result]),
      [["web", "okteto", "repaired"]],
    );
    assert.equal(await kube.get(deployment(namespace, "web-okteto")), undefined);
    assert.equal((await kube.get(deployment(namespace, "web")))!.spec.replicas, 1);
  } finally {
    await kube.delete({ apiVersion: "v1", kind: "Namespace", name: namespace });
  }
});

Deno.test("apply dev refuses a session without dev settings before applying anything", async () => {
  const user = `nodev-${crypto.randomUUID().slice(0, 6)}`;
  const dir = await Deno.makeTempDir();
  const result = await runCli(["apply", "dev", user], { env: env(dir), cwd: dir });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /no dev settings for silly-demo/);
  assert.match(result.stderr, /hint: add a dev section to platform\.yaml .* or pass --no-session/);
  assert.equal(
    await kube.get({ apiVersion: "v1", kind: "Namespace", name: user }),
    undefined,
    "nothing was applied",
  );
});

Deno.test("uninstall dev ends an okteto session too: the -okteto copy goes before the environment", async () => {
  const user = `ok-${crypto.randomUUID().slice(0, 6)}`;
  const dir = await Deno.makeTempDir();
  assert.equal(
    (await runCli(["apply", "dev", user, "--no-session"], { env: env(dir), cwd: dir })).code,
    0,
  );
  const original = await kube.get(deployment(user, "silly-demo"));
  await kube.mergePatch(deployment(user, "silly-demo"), { spec: { replicas: 0 } });
  await kube.apply({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "silly-demo-okteto", namespace: user },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "okteto-copy" } },
      template: {
        metadata: { labels: { app: "okteto-copy" } },
        spec: original!.spec.template.spec,
      },
    },
  });
  const removed = await runCli(["uninstall", "dev", user], { env: env(dir), cwd: dir });
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stderr, /session \(okteto\) ended/);
  assert.equal(await kube.get(deployment(user, "silly-demo-okteto")), undefined);
  assert.equal(await kube.get(deployment(user, "silly-demo")), undefined);
});
