/**
 * What the test cluster itself guarantees, pinned against the real thing:
 * kwok nodes that are Ready, a real controller-manager and scheduler behind
 * Deployments, server-side apply, and kwok's fake kubelet running exec,
 * port-forward and logs on this machine in per-pod sandboxes.
 */
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { parse } from "yaml";
import { NODE_NAME } from "./cluster/cluster.ts";
import { podProcesses } from "../providers/clusters/kwok/pod_processes.ts";
import {
  appendPodLog,
  kubectl,
  podDir,
  startKubectl,
  testCluster,
  uniqueNamespace,
  waitFor,
  waitForSandbox,
} from "./helpers/cluster.ts";

// Fails the whole file, with the reason, when the cluster cannot be started.
const cluster = await testCluster();
const core = cluster.kubeconfig.makeApiClient(k8s.CoreV1Api);
const apps = cluster.kubeconfig.makeApiClient(k8s.AppsV1Api);
const objects = k8s.KubernetesObjectApi.makeApiClient(cluster.kubeconfig);

// client-node keeps HTTP connections alive between requests; Deno's
// sanitizers would report those pooled sockets as leaks of each test.
const relaxed = { sanitizeOps: false, sanitizeResources: false };

type Named = k8s.KubernetesObject & { metadata: k8s.V1ObjectMeta & { name: string } };

function deployment(name: string, replicas: number, port: number): k8s.V1Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{
            name: "app",
            // kwok never pulls images; the name only has to be valid.
            image: "registry.invalid/platform-test/app:1",
            ports: [{ containerPort: port }],
            env: [{ name: "GREETING", value: "hello from the pod spec" }],
          }],
        },
      },
    },
  };
}

/** Waits until the Deployment's Available condition is True for its current generation with all replicas ready. */
async function waitAvailable(
  namespace: string,
  name: string,
  timeoutMs = 60_000,
): Promise<k8s.V1Deployment> {
  return await waitFor(`Deployment ${namespace}/${name} to be Available`, async () => {
    const d = await apps.readNamespacedDeployment({ name, namespace });
    const available = d.status?.conditions?.find((c) => c.type === "Available");
    const current = (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1);
    const want = d.spec?.replicas ?? 1;
    return current && available?.status === "True" && (d.status?.readyReplicas ?? 0) === want &&
        (d.status?.replicas ?? 0) === want
      ? d
      : undefined;
  }, { timeoutMs });
}

async function podsOf(namespace: string, app: string): Promise<k8s.V1Pod[]> {
  const list = await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

async function scale(namespace: string, name: string, replicas: number): Promise<void> {
  await apps.patchNamespacedDeploymentScale(
    { name, namespace, body: { spec: { replicas } } },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );
}

function freePortCandidate(): number {
  // Each pod has its own loopback address, so only a wildcard listener on
  // this machine could collide; a random high port makes that unlikely.
  return 20000 + Math.floor(Math.random() * 10000);
}

Deno.test("the test cluster's kwok node reports Ready", relaxed, async () => {
  const nodes = await core.listNode();
  const node = nodes.items.find((n) => n.metadata?.name === NODE_NAME);
  assert.ok(node, `node ${NODE_NAME} exists (nodes: ${nodes.items.map((n) => n.metadata?.name)})`);
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  assert.equal(ready?.status, "True", `Ready condition: ${JSON.stringify(ready)}`);
  for (const n of nodes.items) {
    const r = n.status?.conditions?.find((c) => c.type === "Ready");
    assert.equal(r?.status, "True", `node ${n.metadata?.name} is Ready`);
  }
});

Deno.test(
  "a 2-replica Deployment becomes Available, scales to 0 and back to 2",
  relaxed,
  async () => {
    await using ns = await uniqueNamespace("deploy");
    const started = performance.now();
    await apps.createNamespacedDeployment({ namespace: ns.name, body: deployment("web", 2, 8080) });
    await waitAvailable(ns.name, "web");
    console.error(
      `  2-replica Deployment Available after ${Math.round(performance.now() - started)} ms`,
    );
    assert.equal((await podsOf(ns.name, "web")).length, 2);

    await scale(ns.name, "web", 0);
    await waitFor("the Deployment's pods to be gone after scaling to 0", async () => {
      const d = await apps.readNamespacedDeployment({ name: "web", namespace: ns.name });
      return (d.status?.replicas ?? 0) === 0 && (await podsOf(ns.name, "web")).length === 0;
    });

    await scale(ns.name, "web", 2);
    const back = await waitAvailable(ns.name, "web");
    assert.equal(back.status?.readyReplicas, 2);
    assert.equal((await podsOf(ns.name, "web")).length, 2);
  },
);

Deno.test(
  "deleting a namespace removes the Deployment, its pods and their sandboxes",
  relaxed,
  async () => {
    const ns = await uniqueNamespace("delete");
    try {
      await apps.createNamespacedDeployment({
        namespace: ns.name,
        body: deployment("web", 2, 8080),
      });
      await waitAvailable(ns.name, "web");
      const pods = await podsOf(ns.name, "web");
      for (const pod of pods) await waitForSandbox(ns.name, pod.metadata!.name!);

      await ns.cleanup();
      await waitFor(`namespace ${ns.name} to be gone`, async () => {
        try {
          await core.readNamespace({ name: ns.name });
          return false;
        } catch (e) {
          if (e instanceof k8s.ApiException && e.code === 404) return true;
          throw e;
        }
      }, { timeoutMs: 90_000 });
      const left = await apps.listNamespacedDeployment({ namespace: ns.name });
      assert.equal(left.items.length, 0, "no Deployment is left in the deleted namespace");
      assert.equal((await core.listNamespacedPod({ namespace: ns.name })).items.length, 0);
      for (const pod of pods) {
        const dir = podDir(ns.name, pod.metadata!.name!);
        await waitFor(`the sandbox ${dir} to be removed`, async () => {
          try {
            await Deno.stat(dir);
            return false;
          } catch (e) {
            return e instanceof Deno.errors.NotFound;
          }
        });
      }
    } finally {
      await ns.cleanup();
    }
  },
);

Deno.test(
  "server-side apply of a CRD and of a Widget; a second identical apply keeps the resourceVersion",
  relaxed,
  async () => {
    const crd = parse(
      await Deno.readTextFile(new URL("./fixtures/cluster/widget_crd.yaml", import.meta.url)),
    ) as k8s.V1CustomResourceDefinition & Named;
    const crdRef = {
      apiVersion: crd.apiVersion,
      kind: crd.kind,
      metadata: { name: crd.metadata.name },
    };
    const apply = <T extends k8s.KubernetesObject>(object: T) =>
      objects.patch(
        object,
        undefined,
        undefined,
        "platform-tests",
        true,
        k8s.PatchStrategy.ServerSideApply,
      );
    await using ns = await uniqueNamespace("ssa");
    try {
      await apply(crd);
      await waitFor("the Widget CRD to be Established", async () => {
        const served = await objects.read(crdRef) as k8s.V1CustomResourceDefinition;
        return served.status?.conditions?.some((c) =>
          c.type === "Established" && c.status === "True"
        );
      });
      const settled = await objects.read(crdRef);
      const crdAgain = await apply(crd);
      assert.equal(
        crdAgain.metadata?.resourceVersion,
        settled.metadata?.resourceVersion,
        "re-applying the same CRD changes nothing",
      );

      const widget: Named & { spec: { size: number; color: string } } = {
        apiVersion: "test.platform.dev/v1alpha1",
        kind: "Widget",
        metadata: { name: "blue", namespace: ns.name },
        spec: { size: 3, color: "blue" },
      };
      // Discovery of the new kind can lag Established by a moment.
      const first = await waitFor("the first apply of a Widget", () => apply(widget));
      assert.equal(first.spec.size, 3);
      const second = await apply(widget);
      assert.equal(second.metadata?.resourceVersion, first.metadata?.resourceVersion);
      const changed = await apply({ ...widget, spec: { ...widget.spec, size: 4 } });
      assert.notEqual(
        changed.metadata?.resourceVersion,
        first.metadata?.resourceVersion,
        "a real change does bump it",
      );
    } finally {
      await objects.delete(crdRef).catch(() => {});
    }
  },
);

/** `kubectl port-forward` to `pod`'s `port`, on a free local port. */
async function forwardTo(namespace: string, pod: string, port: number) {
  const forward = await startKubectl(["port-forward", "-n", namespace, `pod/${pod}`, `:${port}`]);
  const [, localPort] = await forward.waitForOutput(/Forwarding from 127\.0\.0\.1:(\d+)/);
  return Object.assign(forward, { localPort });
}

Deno.test("kwok pods get local sandboxes for exec, port-forward and logs", relaxed, async (t) => {
  await using ns = await uniqueNamespace("sandbox");
  const port = freePortCandidate();
  await apps.createNamespacedDeployment({ namespace: ns.name, body: deployment("web", 2, port) });
  await waitAvailable(ns.name, "web");
  const [first, second] = (await podsOf(ns.name, "web")).map((p) => p.metadata!.name!).sort();
  const firstSandbox = await waitForSandbox(ns.name, first);
  await waitForSandbox(ns.name, second);

  await t.step("kubectl exec runs the command locally in that pod's own directory", async () => {
    const result = await kubectl([
      "exec",
      "-n",
      ns.name,
      first,
      "--",
      "sh",
      "-c",
      'pwd; echo "$POD_NAME $POD_NAMESPACE $POD_IP"; echo "$GREETING" > greeting.txt',
    ]);
    const [pwd, identity] = result.stdout.trim().split("\n");
    assert.equal(pwd, await Deno.realPath(podDir(ns.name, first)));
    assert.equal(identity, `${first} ${ns.name} ${firstSandbox.address}`);
    assert.equal(
      await Deno.readTextFile(`${podDir(ns.name, first)}/greeting.txt`),
      "hello from the pod spec\n",
      "the file appears in the pod's directory, written with the container's env",
    );

    const other = await kubectl(["exec", "-n", ns.name, second, "--", "sh", "-c", "pwd; ls -A"]);
    const [otherPwd, ...files] = other.stdout.trim().split("\n");
    assert.equal(otherPwd, await Deno.realPath(podDir(ns.name, second)));
    assert.ok(!files.includes("greeting.txt"), `the second pod does not see it: ${files}`);
  });

  await t.step("kubectl exec of a failing command fails and names its exit status", async () => {
    // kwok 0.7 turns a non-zero exit into an internal error, so kubectl
    // exits 1 rather than with the command's own code (see README.md).
    const failed = await kubectl(["exec", "-n", ns.name, first, "--", "sh", "-c", "exit 3"], {
      check: false,
    });
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /exit status 3/);
  });

  await t.step("kubectl port-forward reaches a server on the pod's loopback address", async () => {
    const controller = new AbortController();
    const server = Deno.serve({
      hostname: firstSandbox.address,
      port,
      signal: controller.signal,
      onListen: () => {},
    }, () => new Response(`served for ${first}\n`));
    try {
      await using forward = await forwardTo(ns.name, first, port);
      const localPort = forward.localPort;
      const response = await fetch(`http://127.0.0.1:${localPort}/`, {
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(response.status, 200);
      assert.equal(await response.text(), `served for ${first}\n`);
    } finally {
      controller.abort();
      await server.finished;
    }
  });

  await t.step("a forwarded connection ends when the pod's server closes it", async () => {
    // A dev server restarting on save: it takes the request and goes away without answering.
    // On a real node the client sees the connection close; kwok 0.7's tunnel (before
    // build/kwok/_overlay/tunnel.go) held it open until the client gave up.
    const listener = Deno.listen({ hostname: firstSandbox.address, port });
    const served = (async () => {
      const conn = await listener.accept();
      await conn.read(new Uint8Array(1024));
      conn.close();
    })();
    try {
      await using forward = await forwardTo(ns.name, first, port);
      const localPort = forward.localPort;
      using client = await Deno.connect({ hostname: "127.0.0.1", port: Number(localPort) });
      await client.write(new TextEncoder().encode("GET / HTTP/1.1\r\nhost: x\r\n\r\n"));
      const started = performance.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const ended = await Promise.race([
        client.read(new Uint8Array(1024)).then((read) => read === null ? "closed" : "data")
          .catch(() => "closed"),
        new Promise<string>((resolve) => timer = setTimeout(() => resolve("still open"), 20_000)),
      ]);
      clearTimeout(timer);
      assert.equal(ended, "closed", "the client's connection closes with the server's");
      console.log(`closed ${Math.round(performance.now() - started)} ms after the request`);
      await served;
    } finally {
      listener.close();
    }
  });

  await t.step("kubectl logs shows the lines of the container's log file", async () => {
    await appendPodLog(ns.name, first, "app", ["first line", "second line"]);
    await appendPodLog(ns.name, first, "app", ["an error line"], "stderr");
    const logs = await kubectl(["logs", "-n", ns.name, first, "-c", "app"]);
    assert.equal(logs.stdout, "first line\nsecond line\nan error line\n");
    const tail = await kubectl(["logs", "-n", ns.name, first, "--tail", "1"]);
    assert.equal(tail.stdout, "an error line\n");
    const empty = await kubectl(["logs", "-n", ns.name, second]);
    assert.equal(empty.stdout, "", "each pod has its own log file");
  });

  await t.step("a process left running by exec is stopped when its pod is deleted", async () => {
    // What a dev session does: start a server in the background and return.
    await kubectl([
      "exec",
      "-n",
      ns.name,
      first,
      "--",
      "sh",
      "-c",
      "nohup sleep 300 >/dev/null 2>&1 &",
    ]);
    const uid = firstSandbox.uid;
    const running = await waitFor("the backgrounded process", async () => {
      const found = (await podProcesses()).filter((p) => p.podUid === uid);
      return found.length > 0 ? found : undefined;
    });
    await core.deleteNamespacedPod({ name: first, namespace: ns.name });
    await waitFor(`pids ${running.map((p) => p.pid)} of the deleted pod to exit`, async () => {
      const left = (await podProcesses()).filter((p) => p.podUid === uid);
      return left.length === 0;
    });
  });
});
