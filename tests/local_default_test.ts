/**
 * The README's main job on the product's own local default, not on the test
 * harness: `platform setup` (kwok, a cluster of its own name and port) and
 * then `apply dev --session` in the example app, whose forwarded port
 * answers from a dev server that exec started in the cluster. And the
 * sessions that cannot work say so: a dev command that ends at once, and a
 * cluster whose sandboxer is gone (exec runs nothing), both exit 1 with why,
 * and leave the environment restored.
 */
import assert from "node:assert/strict";
import { Kube } from "../mod.ts";
import { BIN_DIR, binPath } from "./cluster/cluster.ts";
import { testCluster, waitFor } from "./helpers/cluster.ts";
import { deploymentReadiness, waitFor as waitUntil } from "../lib/kube/wait.ts";
import { ensureCluster } from "../providers/clusters/kwok/lifecycle.ts";
import { runCli } from "./helpers/cli.ts";
import { answers, appCopy, freePort, startPlatform } from "./helpers/session.ts";
import { localCluster } from "../providers/clusters/kwok.ts";
import { stopSandboxer } from "../providers/clusters/kwok/sandboxer_process.ts";
import { silentReporter } from "../lib/progress.ts";

await testCluster(); // the binaries the kwok provider uses, or a failure saying why
const charts = new URL("./fixtures/charts", import.meta.url).pathname;
const denoDir = Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`;

Deno.test("platform setup on the local default runs the inner loop: a session's forwarded port answers, Ctrl-C restores", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "platform-local-" });
  const name = `local-${crypto.randomUUID().slice(0, 5)}`;
  const env: Record<string, string> = {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: cwd,
    DENO_DIR: denoDir,
    PLATFORM_KWOK_BIN_DIR: BIN_DIR,
    PLATFORM_HELM: binPath("helm"),
    PLATFORM_CHARTS_DIR: charts,
    PLATFORM_KWOK_PORT: String(freePort()),
  };
  const setupArgs = ["--cluster-name", name, "--users", "carol", "--components", ""];
  try {
    const setup = await runCli(["setup", ...setupArgs], { env, cwd });
    assert.equal(setup.code, 0, setup.stderr);
    assert.match(setup.stderr, /sandboxer running/, "the local default has pod sandboxes");
    const { dir, port } = await appCopy();
    const sessionEnv = { ...env, KUBECONFIG: `${cwd}/kubeconfig.yaml`, HOME: dir };

    const session = startPlatform(["apply", "dev", "carol", "--session", "-o", "json"], {
      cwd: dir,
      env: sessionEnv,
    });
    try {
      await answers(port, "This is a silly demo", 90_000);
    } catch (error) {
      session.kill("SIGTERM");
      throw new Error(`${(error as Error).message}\n${session.stderr()}`);
    }
    await Deno.writeTextFile(`${dir}/message.js`, 'export const message = "carol was here";\n');
    await answers(port, "carol was here");
    session.kill("SIGINT");
    const ended = await session.finished;
    assert.equal(ended.code, 0, ended.stderr);
    assert.match(ended.stderr, /silly-demo restored: 1 replica\(s\), spec hash \S+ verified/);

    // A dev command that ends at once is a failed session, with its last words.
    const settings = await Deno.readTextFile(`${dir}/platform.yaml`);
    await Deno.writeTextFile(
      `${dir}/platform.yaml`,
      settings.replace(
        "command: [node, --watch, server.js]",
        'command: [sh, -c, "echo cannot find module express >&2; exit 3"]',
      ),
    );
    const early = await startPlatform(["apply", "dev", "carol", "--session"], {
      cwd: dir,
      env: sessionEnv,
    }).finished;
    assert.equal(early.code, 1, early.stderr);
    assert.match(early.stderr, /error: the dev command sh -c .* ended after \S+ \(exit status 3\)/);
    assert.match(early.stderr, /cannot find module express/);
    assert.match(early.stderr, /silly-demo restored/);

    // Without the sandboxer, exec runs nothing: the sync cannot land, and the session says so.
    const cluster = localCluster({
      clusterName: name,
      kubeconfigPath: `${cwd}/kubeconfig.yaml`,
      env,
      cwd,
      reporter: silentReporter,
    });
    assert.ok(await stopSandboxer(cluster, () => {}));
    const kube = await Kube.connect({ kubeconfig: `${cwd}/kubeconfig.yaml` });
    const blind = await startPlatform(["apply", "dev", "carol", "--session"], {
      cwd: dir,
      env: sessionEnv,
    }).finished;
    assert.equal(blind.code, 1, blind.stderr);
    assert.match(
      blind.stderr,
      /error: (the initial sync did not land|sync of \d+ files in pod .* failed)/,
    );
    assert.match(blind.stderr, /hint: .*sandboxer/);
    const original = await kube.get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: "carol",
      name: "silly-demo",
    });
    assert.equal(original?.spec.replicas, 1, "restored after the failed start");
    assert.equal(
      await kube.get({
        apiVersion: "apps/v1",
        kind: "Deployment",
        namespace: "carol",
        name: "silly-demo-dev",
      }),
      undefined,
    );

    // The next setup finds the sandboxer gone and starts it again.
    const again = await runCli(["setup", ...setupArgs], { env, cwd });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /sandboxer running/);

    // The API server goes away for longer than the session's lease, with a wait in progress.
    await Deno.writeTextFile(`${dir}/platform.yaml`, settings);
    const outage = startPlatform(["apply", "dev", "carol", "--session"], {
      cwd: dir,
      env: { ...sessionEnv, PLATFORM_SESSION_LEASE_SECONDS: "3" },
    });
    await answers(port, "carol was here", 90_000);
    const waiter = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: "carol",
      name: "waiter",
    };
    await kube.apply({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "waiter", namespace: "carol" },
      spec: {
        selector: { matchLabels: { app: "waiter" } },
        template: {
          metadata: { labels: { app: "waiter" } },
          spec: { nodeSelector: { nowhere: "true" }, containers: [{ name: "w", image: "w" }] },
        },
      },
    });
    const waiting = waitUntil(kube, waiter, {
      check: deploymentReadiness,
      timeoutMs: 120_000,
      what: "the waiter to be Available",
      lookFurther: "kubectl describe deployment waiter",
    });
    const pids = `${cwd}/.platform/kwok/clusters/${name}/pids`;
    Deno.kill(Number(await Deno.readTextFile(`${pids}/kube-apiserver.pid`)), "SIGKILL");
    await waitFor(
      "the session to say it lost the API server",
      () => Promise.resolve(/lost the connection to the API server/.test(outage.stderr())),
    );
    await new Promise((resolve) => setTimeout(resolve, 5000)); // longer than the 3 s lease
    await ensureCluster(cluster, { log: () => {} }); // what the next setup does
    await waitFor(
      "the session to carry on",
      () => Promise.resolve(/the API server answers again/.test(outage.stderr())),
      { timeoutMs: 60_000 },
    );
    await kube.mergePatch(waiter, { spec: { template: { spec: { nodeSelector: null } } } });
    assert.equal((await waiting)?.metadata.name, "waiter", "the wait survived the outage");
    await answers(port, "carol was here", 90_000).catch((error) => {
      throw new Error(`${error.message}\n${outage.stderr()}`);
    });
    outage.kill("SIGINT");
    const resumed = await outage.finished;
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /silly-demo restored: 1 replica\(s\), spec hash \S+ verified/);
  } finally {
    const destroyed = await runCli(["destroy", "kwok", "--cluster-name", name], { env, cwd });
    assert.equal(destroyed.code, 0, destroyed.stderr);
  }
});
