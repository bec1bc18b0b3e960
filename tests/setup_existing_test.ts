/**
 * setup and destroy on a cluster that already has things of other people's
 * (`existing`, the shared-cluster case): a release of the same name and a
 * namespace that were there before are used as they are, never upgraded,
 * relabelled or deleted; destroy asks first and removes exactly what setup
 * recorded. The cluster is a private local one of its own.
 */
import assert from "node:assert/strict";
import { Kube } from "../mod.ts";
import { BIN_DIR, binPath } from "./cluster/cluster.ts";
import { testCluster } from "./helpers/cluster.ts";
import { runCli } from "./helpers/cli.ts";
import { freePort } from "./helpers/session.ts";
import { ensureCluster, stopCluster } from "../providers/clusters/kwok/lifecycle.ts";
import type { LocalCluster } from "../providers/clusters/kwok/local_cluster.ts";

await testCluster(); // the binaries
const charts = new URL("./fixtures/charts", import.meta.url).pathname;

Deno.test("setup existing keeps what others installed, and destroy removes only what setup recorded, after asking", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "platform-existing-" });
  const cluster: LocalCluster = {
    name: `shared-${crypto.randomUUID().slice(0, 5)}`,
    port: freePort(),
    stateDir: `${cwd}/state`,
    kubeconfigPath: `${cwd}/shared.yaml`,
    binDir: BIN_DIR,
  };
  const env = {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: cwd,
    PLATFORM_HELM: binPath("helm"),
    PLATFORM_CHARTS_DIR: charts,
  };
  const helm = (...args: string[]) =>
    new Deno.Command(binPath("helm"), {
      args: [...args, "--kubeconfig", cluster.kubeconfigPath],
      env,
    }).output();
  await ensureCluster(cluster, { log: () => {} });
  try {
    const kube = await Kube.connect({ kubeconfig: cluster.kubeconfigPath });
    // Someone else's: the ingress controller, installed with helm by hand, and a namespace.
    const theirs = await helm(
      "install",
      "contour",
      `${charts}/contour`,
      "--namespace",
      "contour",
      "--create-namespace",
      "--set",
      "envoy.service.type=NodePort",
    );
    assert.ok(theirs.success, new TextDecoder().decode(theirs.stderr));
    await kube.apply({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "alice", labels: { team: "payments" } },
    });
    const args = [
      "--kubeconfig",
      cluster.kubeconfigPath,
      "--users",
      "alice,bob",
      "--components",
      "crossplane",
    ];
    // The ingress controller there has no load balancer: setup says so at once instead of waiting.
    const noAddress = await runCli(["setup", "existing", ...args], { env, cwd });
    assert.equal(noAddress.code, 1, noAddress.stderr);
    assert.match(
      noAddress.stderr,
      /contour-envoy is of type NodePort: no load-balancer address will come/,
    );
    assert.match(noAddress.stderr, /hint: set INGRESS_HOST/);
    const setup = await runCli(["setup", "existing", ...args, "-o", "json"], {
      env: { ...env, INGRESS_HOST: "127.0.0.1.nip.io" },
      cwd,
    });
    assert.equal(setup.code, 0, setup.stderr);
    const steps = JSON.parse(setup.stdout) as { step: string; detail: string }[];
    const detail = (name: string) => steps.find((step) => step.step === name)?.detail ?? "";
    assert.match(detail("contour"), /was not installed by setup: kept as it is/);
    assert.match(detail("namespaces"), /kept as they were \(not made by setup\): alice/);
    const alice = await kube.get({ apiVersion: "v1", kind: "Namespace", name: "alice" });
    assert.equal(alice!.metadata.labels?.["platform.dev/part-of"], undefined, "not relabelled");

    const unasked = await runCli(["destroy", "existing", "--kubeconfig", cluster.kubeconfigPath], {
      env,
      cwd,
    });
    assert.equal(unasked.code, 2, unasked.stderr);
    assert.match(unasked.stderr, /refusing to delete what platform setup installed/);
    assert.ok(await kube.get({ apiVersion: "v1", kind: "Namespace", name: "bob" }), "untouched");

    const destroyed = await runCli(
      ["destroy", "existing", "--kubeconfig", cluster.kubeconfigPath, "--yes", "-o", "json"],
      { env: { ...env, INGRESS_HOST: "127.0.0.1.nip.io" }, cwd },
    );
    assert.equal(destroyed.code, 0, destroyed.stderr);
    const removed = JSON.parse(destroyed.stdout) as { step: string; detail: string }[];
    const gone = (name: string) => removed.find((step) => step.step === name)?.detail ?? "";
    assert.match(gone("contour"), /release contour kept: setup did not install it/);
    assert.match(gone("crossplane"), /release crossplane removed/);
    const releases = new TextDecoder().decode((await helm("list", "-A", "-q")).stdout);
    assert.deepEqual(releases.trim().split("\n"), ["contour"], "only theirs is left");
    assert.ok(await kube.get({ apiVersion: "v1", kind: "Namespace", name: "alice" }));
    const bob = await kube.get({ apiVersion: "v1", kind: "Namespace", name: "bob" });
    assert.ok(!bob || bob.metadata.deletionTimestamp, "setup's own namespace is deleted");
  } finally {
    await stopCluster(cluster, { log: () => {} });
  }
});
