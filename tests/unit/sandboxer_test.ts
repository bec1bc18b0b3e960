/**
 * The sandboxer's pure half: the loopback address of a pod and the kwok
 * objects it applies. The controller half runs in tests/cluster_test.ts
 * against the real cluster.
 */
import assert from "node:assert/strict";
import { type Pod, podAddress, sandboxObjects } from "../../providers/clusters/kwok/sandboxer.ts";
import { POD_UID_ENV } from "../../providers/clusters/kwok/pod_processes.ts";

const pod: Pod = {
  metadata: { name: "web-1", namespace: "team", uid: "8d1c2f70-1111-4a4a-9b9b-000000000001" },
  spec: {
    nodeName: "kwok-node-0",
    initContainers: [{ name: "init" }],
    containers: [
      {
        name: "app",
        env: [
          { name: "GREETING", value: "hi" },
          { name: "PATH", value: "/usr/local/bin" },
          { name: "SECRET", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
          { name: "POD_IP", value: "10.0.0.9" },
        ],
        ports: [{ containerPort: 8080 }, { containerPort: 9090, protocol: "UDP" }],
      },
      { name: "sidecar", ports: [{ containerPort: 8080 }, { containerPort: 3000 }] },
    ],
  },
};

Deno.test("a pod's loopback address is stable, in 127/8 and never in 127.0/16", () => {
  assert.equal(podAddress(pod.metadata.uid), podAddress(pod.metadata.uid));
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const address = podAddress(crypto.randomUUID());
    const [a, b, c, d] = address.split(".").map(Number);
    assert.equal(a, 127);
    assert.ok(b >= 1 && b <= 254, address);
    assert.ok(c >= 0 && c <= 255, address);
    assert.ok(d >= 1 && d <= 254, address);
    seen.add(address);
  }
  assert.ok(seen.size > 1990, `addresses spread out (${seen.size} distinct of 2000)`);
});

Deno.test("the Exec rule runs every container in the pod directory with the pod's identity winning over the spec", () => {
  const [exec] = sandboxObjects(pod, "/cache/pods");
  assert.equal(exec.kind, "Exec");
  assert.deepEqual(exec.metadata.ownerReferences, [
    { apiVersion: "v1", kind: "Pod", name: "web-1", uid: pod.metadata.uid },
  ]);
  const execs = exec.spec.execs as {
    containers?: string[];
    local: { workDir: string; envs: { name: string; value: string }[] };
  }[];
  assert.deepEqual(execs.map((e) => e.containers), [["init"], ["app"], ["sidecar"], undefined]);
  for (const e of execs) assert.equal(e.local.workDir, "/cache/pods/team/web-1");
  const app = execs[1].local.envs;
  const value = (name: string) => app.filter((e) => e.name === name).at(-1)?.value;
  assert.equal(value("GREETING"), "hi", "literal env values of the container come along");
  assert.equal(value("PATH"), undefined, "the host's PATH is kept");
  assert.equal(value("SECRET"), undefined, "valueFrom is not resolved");
  assert.equal(
    value("POD_IP"),
    podAddress(pod.metadata.uid),
    "the last POD_IP, which wins, is ours",
  );
  assert.equal(value("HOME"), "/cache/pods/team/web-1");
  assert.equal(value(POD_UID_ENV), pod.metadata.uid);
});

Deno.test("the PortForward rule sends each TCP containerPort to the same port on the pod's address", () => {
  const [, portForward] = sandboxObjects(pod, "/cache/pods");
  const address = podAddress(pod.metadata.uid);
  assert.deepEqual(portForward.spec.forwards, [
    { ports: [3000], target: { address, port: 3000 } },
    { ports: [8080], target: { address, port: 8080 } },
  ]);
});

Deno.test("the Logs rule serves each container's log file from the pod directory", () => {
  const [, , logs] = sandboxObjects(pod, "/cache/pods");
  assert.deepEqual(logs.spec.logs, [
    { containers: ["init"], logsFile: "/cache/pods/team/web-1/init.log", follow: true },
    { containers: ["app"], logsFile: "/cache/pods/team/web-1/app.log", follow: true },
    { containers: ["sidecar"], logsFile: "/cache/pods/team/web-1/sidecar.log", follow: true },
  ]);
});
