/**
 * Touch only what platform made, on the real cluster: a same-named object
 * of someone else's stops apply dev (unless --adopt), an autoscaler keeps its
 * replicas, a namespace holding anything else survives uninstall, and a
 * Deployment that merely has the dev copy's name is never replaced.
 */
import assert from "node:assert/strict";
import { Kube } from "../mod.ts";
import { testCluster } from "./helpers/cluster.ts";
import { runCli } from "./helpers/cli.ts";
import { appCopy, startPlatform } from "./helpers/session.ts";

const cluster = await testCluster();
const kube = await Kube.connect({ kubeconfig: cluster.kubeconfigPath });
const denoDir = Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`;
const env = (dir: string) => ({
  KUBECONFIG: cluster.kubeconfigPath,
  INGRESS_HOST: "127.0.0.1.nip.io",
  HOME: dir,
  DENO_DIR: denoDir,
  PATH: Deno.env.get("PATH") ?? "",
});
const deployment = (namespace: string, name: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  namespace,
  name,
});

/** Someone else's Deployment: no platform labels. */
function theirs(namespace: string, name: string, image = "ghcr.io/someone/else:1") {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels: { team: "payments" } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "main", image }] },
      },
    },
  };
}

Deno.test("apply dev refuses to take over a Service platform did not create; --adopt does it on purpose", async () => {
  const user = `adopt-${crypto.randomUUID().slice(0, 6)}`;
  const { dir } = await appCopy();
  const service = { apiVersion: "v1", kind: "Service", namespace: user, name: "silly-demo" };
  await kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: user } });
  try {
    await kube.apply({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "silly-demo", namespace: user, labels: { team: "payments" } },
      spec: { selector: { app: "payments" }, ports: [{ port: 9000 }] },
    });
    const refused = await runCli(
      ["apply", "dev", user, "--no-session", "--template", "manifests"],
      {
        env: env(dir),
        cwd: dir,
      },
    );
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      refused.stderr,
      new RegExp(`Service ${user}/silly-demo already exists and platform did not create it`),
    );
    assert.match(refused.stderr, /hint: .*--adopt/);
    assert.equal((await kube.get(service))!.spec.ports[0].port, 9000, "untouched");
    assert.equal(
      await kube.get(deployment(user, "silly-demo")),
      undefined,
      "nothing half-applied",
    );

    const adopted = await runCli([
      "apply",
      "dev",
      user,
      "--no-session",
      "--template",
      "manifests",
      "--adopt",
    ], {
      env: env(dir),
      cwd: dir,
    });
    assert.equal(adopted.code, 0, adopted.stderr);
    const ours = await kube.get(service);
    assert.equal(ours!.metadata.labels!["app.kubernetes.io/managed-by"], "platform");
  } finally {
    await kube.delete({ apiVersion: "v1", kind: "Namespace", name: user });
  }
});

Deno.test("an autoscaler owns replicas: a second apply dev leaves them as it set them", async () => {
  const user = `hpa-${crypto.randomUUID().slice(0, 6)}`;
  const { dir } = await appCopy();
  const run = (args: string[]) => runCli(args, { env: env(dir), cwd: dir });
  try {
    assert.equal(
      (await run(["apply", "dev", user, "--no-session", "--template", "manifests"])).code,
      0,
    );
    await kube.apply({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "silly-demo", namespace: user },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "silly-demo" },
        minReplicas: 1,
        maxReplicas: 5,
        metrics: [{
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
        }],
      },
    });
    // What the autoscaler would do under load.
    await kube.mergePatch(deployment(user, "silly-demo"), { spec: { replicas: 3 } });
    const again = await run(["apply", "dev", user, "--no-session", "--template", "manifests"]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /replicas of silly-demo left to HorizontalPodAutoscaler silly-demo/);
    assert.equal((await kube.get(deployment(user, "silly-demo")))!.spec.replicas, 3);
  } finally {
    await run(["uninstall", "dev", user]);
    await kube.delete({ apiVersion: "v1", kind: "Namespace", name: user });
  }
});

Deno.test("uninstall dev keeps a namespace it created while it holds anything platform did not make", async () => {
  const user = `keep-${crypto.randomUUID().slice(0, 6)}`;
  const { dir } = await appCopy();
  const run = (args: string[]) => runCli(args, { env: env(dir), cwd: dir });
  try {
    assert.equal(
      (await run(["apply", "dev", user, "--no-session", "--template", "manifests"])).code,
      0,
    );
    await kube.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "my-notes", namespace: user },
      data: { todo: "keep me" },
    });
    await kube.apply(theirs(user, "worker"));
    const kept = await run(["uninstall", "dev", user, "-o", "json"]);
    assert.equal(kept.code, 0, kept.stderr);
    assert.equal(JSON.parse(kept.stdout).namespaceDeleted, false);
    assert.match(
      kept.stderr,
      /namespace \S+ kept: it holds what platform did not make \(ConfigMap\/my-notes, Deployment\/worker\)/,
    );
    assert.ok(
      await kube.get({ apiVersion: "v1", kind: "ConfigMap", namespace: user, name: "my-notes" }),
    );

    await kube.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: user, name: "my-notes" });
    await kube.delete(deployment(user, "worker"));
    assert.equal(
      (await run(["apply", "dev", user, "--no-session", "--template", "manifests"])).code,
      0,
    );
    const removed = await run(["uninstall", "dev", user, "-o", "json"]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(JSON.parse(removed.stdout).namespaceDeleted, true, removed.stderr);
  } finally {
    await kube.delete({ apiVersion: "v1", kind: "Namespace", name: user });
  }
});

Deno.test("a Deployment that only has the dev copy's name is never replaced by a session", async () => {
  const user = `copy-${crypto.randomUUID().slice(0, 6)}`;
  const { dir } = await appCopy();
  const run = (args: string[]) => runCli(args, { env: env(dir), cwd: dir });
  try {
    assert.equal(
      (await run(["apply", "dev", user, "--no-session", "--template", "manifests"])).code,
      0,
    );
    await kube.apply(theirs(user, "silly-demo-dev"));
    const session = await startPlatform([
      "apply",
      "dev",
      user,
      "--session",
      "--template",
      "manifests",
    ], {
      cwd: dir,
      env: env(dir),
    }).finished;
    assert.equal(session.code, 1, session.stderr);
    assert.match(
      session.stderr,
      /a Deployment silly-demo-dev already exists in \S+ and is not a dev copy/,
    );
    const still = await kube.get(deployment(user, "silly-demo-dev"));
    assert.equal(still!.spec.template.spec.containers[0].image, "ghcr.io/someone/else:1");
    assert.equal((await kube.get(deployment(user, "silly-demo")))!.spec.replicas, 1);
  } finally {
    await run(["uninstall", "dev", user]);
    await kube.delete({ apiVersion: "v1", kind: "Namespace", name: user });
  }
});
