/**
 * Sessions on the claim path, on the compositions stand-in (Crossplane's
 * behaviour: each composed Object re-applies its Deployment within a poll
 * unless paused). The builtin session finds the composed Deployment through
 * the claim's Objects, pauses the Object that would scale the original
 * back, keeps exactly one serving pod (the dev copy) for as long as it
 * runs, and unpauses on Ctrl-C; a kill -9 is repaired by gc; with an HPA
 * the session neither fights it nor changes it; and a developer who may
 * not see the Objects is refused before anything changes.
 */
import assert from "node:assert/strict";
import { Kube } from "../mod.ts";
import type { KubeObject } from "../lib/kube/types.ts";
import { kubectl, testCluster, waitFor } from "./helpers/cluster.ts";
import { binPath } from "./cluster/cluster.ts";
import { runCli } from "./helpers/cli.ts";
import { answers, appCopy, startPlatform } from "./helpers/session.ts";
import {
  compositions,
  OBJECT,
  PAUSED_ANNOTATION,
  releaseCompositions,
} from "./helpers/compositions.ts";
import { namespacedDeveloper } from "./helpers/rbac.ts";

const cluster = await testCluster();
const APP = "silly-demo";
const denoDir = Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`;
const env = (dir: string, kubeconfig = cluster.kubeconfigPath) => ({
  DENO_DIR: denoDir,
  KUBECONFIG: kubeconfig,
  INGRESS_HOST: "127.0.0.1.nip.io",
  PLATFORM_SESSION_LEASE_SECONDS: "4",
  PLATFORM_TEMPLATE: "claim",
  HOME: dir,
  PATH: Deno.env.get("PATH") ?? "",
});
const cli = (args: string[], dir: string) => runCli(args, { env: env(dir), cwd: dir });

/** A client made once the stand-in is up, so its discovery sees the CRDs. */
let client: Kube | undefined;
async function kube(): Promise<Kube> {
  await compositions();
  client ??= await Kube.connect({ kubeconfig: cluster.kubeconfigPath });
  return client;
}

const deployment = (namespace: string, name = APP) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  name,
  namespace,
});
const leaseRef = (user: string) => ({
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  name: `${APP}-dev`,
  namespace: user,
});
const objectRef = (user: string) => ({ ...OBJECT, name: `${user}-${APP}-deployment` });

/** The claim environment of `user`, Ready on the stand-in. */
async function claimEnvironment(user: string, dir: string): Promise<void> {
  await kube();
  const applied = await cli(["apply", "dev", user, "--no-session", "--timeout", "60"], dir);
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(JSON.parse(applied.stdout).template, "claim");
}

/** Pods behind the Service (its selector), running and not on their way out. */
async function servingPods(user: string): Promise<KubeObject[]> {
  const { items } = await (await kube()).list("v1", "Pod", {
    namespace: user,
    labelSelector: `app.kubernetes.io/name=${APP}`,
  });
  return items.filter((pod) => pod.status?.phase === "Running" && !pod.metadata.deletionTimestamp);
}

/** The composed Deployment's Object is unpaused, carries none of platform's marks, and reconciles. */
async function assertUnpaused(user: string): Promise<void> {
  const object = await (await kube()).get(objectRef(user));
  assert.ok(object, "the Object is still there");
  assert.equal(object.metadata.annotations?.[PAUSED_ANNOTATION], undefined);
  assert.deepEqual(
    Object.keys(object.metadata.labels ?? {}).filter((label) => label.startsWith("platform.dev/")),
    [],
  );
  // Reconciling again: drift made by hand is undone.
  await kubectl(["scale", "-n", user, `deployment/${APP}`, "--replicas=0"]);
  await waitFor(
    "the stand-in to re-assert the Deployment",
    async () => (await (await kube()).get(deployment(user)))?.spec.replicas === 1,
    { timeoutMs: 10_000 },
  );
}

/** No copy, no Lease, no record, the original back at `replicas`. */
async function assertRestored(user: string, replicas = 1): Promise<void> {
  const k = await kube();
  await waitFor("the original to be Available again", async () => {
    const original = await k.get(deployment(user));
    return original?.spec.replicas === replicas &&
      original.status?.availableReplicas === replicas;
  }, { timeoutMs: 30_000 });
  const original = await k.get(deployment(user));
  assert.equal(original!.metadata.annotations?.["platform.dev/session-original"], undefined);
  assert.equal(await k.get(deployment(user, `${APP}-dev`)), undefined, "the copy is gone");
  assert.equal(
    await k.get(leaseRef(user)),
    undefined,
  );
}

Deno.test("a session on a claim: found through the claim's Object, which is paused; one serving pod for 60 s while the stand-in polls; Ctrl-C unpauses and the original serves", async () => {
  const user = `claimdev-${crypto.randomUUID().slice(0, 6)}`;
  const { dir, port } = await appCopy();
  await claimEnvironment(user, dir);
  const k = await kube();
  const started = performance.now();
  const session = startPlatform(["apply", "dev", user, "--session", "-o", "json"], {
    cwd: dir,
    env: env(dir),
  });
  try {
    await answers(port, "This is a silly demo").catch((error) => {
      throw new Error(`${error.message}\n${session.stderr()}`);
    });
    console.log(
      `claim session start to first answer: ${(performance.now() - started).toFixed(0)} ms`,
    );
    assert.match(
      session.stderr(),
      new RegExp(`${APP} found through claim ${user}/${APP} → Object ${user}-${APP}-deployment`),
    );
    const object = await k.get(objectRef(user));
    assert.equal(object!.metadata.annotations?.[PAUSED_ANNOTATION], "true");
    assert.equal(object!.metadata.labels?.["platform.dev/paused-namespace"], user);
    const record = JSON.parse(
      (await k.get(deployment(user)))!.metadata.annotations!["platform.dev/session-original"],
    );
    assert.deepEqual(record.paused, [
      { apiVersion: OBJECT.apiVersion, kind: OBJECT.kind, name: `${user}-${APP}-deployment` },
    ]);

    // The stand-in polls every second; a minute of polls must not bring the original back.
    const until = Date.now() + 60_000;
    let checks = 0;
    while (Date.now() < until) {
      const pods = await servingPods(user);
      assert.deepEqual(
        pods.map((pod) => pod.metadata.labels?.["platform.dev/role"]),
        ["dev-copy"],
        `exactly one serving pod, the dev copy (check ${checks})`,
      );
      assert.equal((await k.get(deployment(user)))!.spec.replicas, 0);
      checks++;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.ok(checks >= 60, `checked ${checks} times`);
    assert.equal(await answers(port, "This is a silly demo"), true);
  } finally {
    session.kill("SIGINT");
  }
  const stopped = performance.now();
  const output = await session.finished;
  console.log(`claim session Ctrl-C to restored: ${(performance.now() - stopped).toFixed(0)} ms`);
  assert.equal(output.code, 0, output.stderr);
  assert.match(
    output.stderr,
    new RegExp(`verified; ${user}-${APP}-deployment unpaused; lease released`),
  );
  await assertRestored(user);
  const pods = await servingPods(user);
  assert.equal(pods.length, 1);
  assert.equal(pods[0].metadata.labels?.["platform.dev/role"], undefined, "the original serves");
  await assertUnpaused(user);
  assert.equal((await cli(["uninstall", "dev", user], dir)).code, 0);
});

Deno.test("kill -9 in a claim session: gc unpauses the Object and restores the original", async () => {
  const user = `claimgc-${crypto.randomUUID().slice(0, 6)}`;
  const { dir, port } = await appCopy();
  await claimEnvironment(user, dir);
  const session = startPlatform(["apply", "dev", user, "--session"], { cwd: dir, env: env(dir) });
  await answers(port, "This is a silly demo").catch((error) => {
    throw new Error(`${error.message}\n${session.stderr()}`);
  });
  session.kill("SIGKILL");
  await session.finished;
  const k = await kube();
  assert.equal((await k.get(objectRef(user)))!.metadata.annotations?.[PAUSED_ANNOTATION], "true");
  // Left paused, the original stays at 0 however long the stand-in polls.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.equal((await k.get(deployment(user)))!.spec.replicas, 0);

  const repaired = await cli(["gc", "-n", user], dir);
  assert.equal(repaired.code, 0, repaired.stderr);
  assert.match(repaired.stderr, new RegExp(`restored ${user}/${APP}: 1 replica\\(s\\)`));
  await assertRestored(user);
  await assertUnpaused(user);
  assert.equal((await cli(["uninstall", "dev", user], dir)).code, 0);
});

Deno.test("gc unpauses an Object left paused by a session killed before it recorded anything", async () => {
  const user = `claimpause-${crypto.randomUUID().slice(0, 6)}`;
  const { dir } = await appCopy();
  await claimEnvironment(user, dir);
  const k = await kube();
  // What a session killed between pausing and recording leaves: the marks, no record, no Lease.
  await k.mergePatch(objectRef(user), {
    metadata: {
      labels: { "platform.dev/paused-namespace": user, "platform.dev/paused-app": APP },
      annotations: { [PAUSED_ANNOTATION]: "true" },
    },
  });
  const planned = JSON.parse(
    (await cli(["gc", "-n", user, "--dry-run", "-o", "json"], dir)).stdout,
  );
  assert.deepEqual(planned.map((leftover: { kind: string }) => leftover.kind), ["paused"]);
  // Someone else's pause (no platform marks) is not a leftover.
  const other = { ...OBJECT, name: `${user}-${APP}-service` };
  await k.mergePatch(other, { metadata: { annotations: { [PAUSED_ANNOTATION]: "true" } } });
  const repaired = await cli(["gc", "-n", user], dir);
  assert.equal(repaired.code, 0, repaired.stderr);
  assert.match(repaired.stderr, new RegExp(`unpaused Object ${user}-${APP}-deployment`));
  await assertUnpaused(user);
  assert.equal(
    (await k.get(other))!.metadata.annotations?.[PAUSED_ANNOTATION],
    "true",
    "an Object someone else paused stays paused",
  );
  await k.mergePatch(other, { metadata: { annotations: { [PAUSED_ANNOTATION]: null } } });
  assert.equal((await cli(["uninstall", "dev", user], dir)).code, 0);
});

Deno.test("a claim with an HPA: the session neither fights the HPA nor leaves it changed", async () => {
  const user = `claimhpa-${crypto.randomUUID().slice(0, 6)}`;
  const { dir, port } = await appCopy();
  await claimEnvironment(user, dir);
  const k = await kube();
  // Scaling is the platform engineer's part of the claim, set beside platform's fields.
  await k.mergePatch({
    apiVersion: "devopstoolkit.live/v1alpha1",
    kind: "AppClaim",
    name: APP,
    namespace: user,
  }, {
    spec: { parameters: { scaling: { enabled: true, min: 2, max: 4 } } },
  });
  const hpaRef = {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    name: APP,
    namespace: user,
  };
  await waitFor("the HPA to scale the Deployment to its minimum", async () => {
    const current = await k.get(deployment(user));
    return current?.spec.replicas === 2 && current.status?.availableReplicas === 2;
  }, { timeoutMs: 60_000 });
  const hpaBefore = await k.get(hpaRef);

  const session = startPlatform(["apply", "dev", user, "--session"], { cwd: dir, env: env(dir) });
  try {
    await answers(port, "This is a silly demo").catch((error) => {
      throw new Error(`${error.message}\n${session.stderr()}`);
    });
    // Scaled to 0 the HPA stands aside (Kubernetes disables autoscaling at 0 replicas).
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      assert.equal((await k.get(deployment(user)))!.spec.replicas, 0);
      assert.equal((await servingPods(user)).length, 1);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    session.kill("SIGINT");
  }
  const output = await session.finished;
  assert.equal(output.code, 0, output.stderr);
  assert.match(output.stderr, /restored: 2 replica\(s\)/);
  await assertRestored(user, 2);
  const hpaAfter = await k.get(hpaRef);
  assert.deepEqual(hpaAfter!.spec, hpaBefore!.spec, "the HPA's spec is unchanged");
  assert.equal(hpaAfter!.metadata.generation, hpaBefore!.metadata.generation);
  assert.equal(
    hpaAfter!.metadata.labels?.["platform.dev/paused-namespace"],
    undefined,
    "nothing of the session is left on it",
  );
  assert.equal((await cli(["uninstall", "dev", user], dir)).code, 0);
});

Deno.test("a developer who may not see the claim's Objects is refused before anything changes, told what fights the session", async () => {
  const user = `claimrbac-${crypto.randomUUID().slice(0, 6)}`;
  const { dir } = await appCopy();
  await claimEnvironment(user, dir);
  const k = await kube();
  const kubeconfig = await namespacedDeveloper(k, user, [
    {
      apiGroups: ["devopstoolkit.live"],
      resources: ["appclaims"],
      verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
    },
  ]);
  const before = await k.get(deployment(user));
  const refused = await runCli(["apply", "dev", user, "--session"], {
    env: env(dir, kubeconfig),
    cwd: dir,
  });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /kept in shape by the field manager provider-kubernetes/);
  assert.match(refused.stderr, /Nothing was changed/);
  assert.match(refused.stderr, /objects\.kubernetes\.crossplane\.io/);
  const after = await k.get(deployment(user));
  assert.equal(after!.spec.replicas, 1);
  assert.equal(after!.metadata.annotations?.["platform.dev/session-original"], undefined);
  assert.equal(after!.metadata.resourceVersion, before!.metadata.resourceVersion, "not touched");
  assert.equal(await k.get(deployment(user, `${APP}-dev`)), undefined);
  assert.equal(
    await k.get(leaseRef(user)),
    undefined,
    "no Lease taken",
  );
  assert.equal(
    (await k.get(objectRef(user)))!.metadata.annotations?.[PAUSED_ANNOTATION],
    undefined,
  );
  assert.equal((await cli(["uninstall", "dev", user], dir)).code, 0);
});

Deno.test("a developer whose Role leaves out AppClaims keeps every dev verb while the cluster serves claims", async () => {
  const user = `noclaims-${crypto.randomUUID().slice(0, 6)}`;
  const { dir } = await appCopy();
  const k = await kube(); // the stand-in serves AppClaims from here on
  const kubeconfig = await namespacedDeveloper(k, user);
  const platform = (...args: string[]) =>
    runCli(args, {
      env: { ...env(dir, kubeconfig), PLATFORM_TEMPLATE: "manifests" },
      cwd: dir,
    });
  const applied = await platform("apply", "dev", user, "--no-session", "--timeout", "60");
  assert.equal(applied.code, 0, applied.stderr);
  const listed = await platform("list", "dev", "-o", "json");
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(JSON.parse(listed.stdout).map((row: { user: string }) => row.user), [user]);
  assert.match(listed.stderr, /not allowed to list AppClaims .*not shown/);
  const status = await platform("status", "dev", user, "-o", "json");
  assert.equal(status.code, 0, status.stderr);
  assert.equal(JSON.parse(status.stdout).ready, true);
  const removed = await platform("uninstall", "dev", user);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(await k.get(deployment(user)), undefined);
});

Deno.test("okteto on a claim: the Object is paused while okteto up runs and unpaused after okteto down", async () => {
  const user = `claimok-${crypto.randomUUID().slice(0, 6)}`;
  const { dir } = await appCopy();
  await claimEnvironment(user, dir);
  const k = await kube();
  // A stand-in okteto on PATH doing what okteto's swap does to the original: 0, then back.
  const bin = await Deno.makeTempDir({ prefix: "platform-okteto-" });
  const kubectlPath = binPath("kubectl");
  await Deno.writeTextFile(
    `${bin}/okteto`,
    `#!/bin/sh
case "$1" in
  version) echo "okteto version 3.0.0 (stand-in)" ;;
  up) "${kubectlPath}" -n "$4" scale "deployment/$2" --replicas=0 >/dev/null
      echo "okteto up: $2 in dev mode" >&2
      trap 'exit 0' TERM INT
      while :; do sleep 1; done ;;
  down) "${kubectlPath}" -n "$4" scale "deployment/$2" --replicas=1 >/dev/null ;;
esac
`,
  );
  await Deno.chmod(`${bin}/okteto`, 0o755);
  const session = startPlatform(["apply", "dev", user, "--session", "--driver", "okteto"], {
    cwd: dir,
    env: { ...env(dir), PATH: `${bin}:${Deno.env.get("PATH")}` },
  });
  try {
    await waitFor("okteto up to run", async () => await session.stderr().includes("in dev mode"), {
      timeoutMs: 30_000,
    }).catch((error) => {
      throw new Error(`${error.message}\n${session.stderr()}`);
    });
    assert.match(session.stderr(), new RegExp(`paused ${user}-${APP}-deployment for the session`));
    assert.equal((await k.get(objectRef(user)))!.metadata.annotations?.[PAUSED_ANNOTATION], "true");
    const until = Date.now() + 3000; // three polls of the stand-in
    while (Date.now() < until) {
      assert.equal((await k.get(deployment(user)))!.spec.replicas, 0, "okteto's swap holds");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    session.kill("SIGINT");
  }
  const output = await session.finished;
  assert.equal(output.code, 0, output.stderr);
  assert.match(output.stderr, new RegExp(`unpaused ${user}-${APP}-deployment`));
  await assertUnpaused(user);
  assert.equal((await cli(["uninstall", "dev", user], dir)).code, 0);
});

Deno.test("cleanup: release the stand-in", async () => {
  await releaseCompositions();
});
