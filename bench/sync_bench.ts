/**
 * The builtin session's initial sync of a 10,000-file tree into a pod on
 * the local cluster (started or reused), beside a local `tar -c | tar -x`
 * of the same tree (the floor: the same tar work without exec, the API
 * server and the kubelet in between). Prints both medians and their ratio.
 * Run: ./denow run -A bench/sync_bench.ts [--files 10000] [--runs 4]
 */
import { parseArgs } from "node:util";
import * as k8s from "@kubernetes/client-node";
import { Kube } from "../mod.ts";
import { initialSync } from "../lib/session/sync.ts";
import { testCluster, uniqueNamespace, waitFor, waitForSandbox } from "../tests/helpers/cluster.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    files: { type: "string", default: "10000" },
    runs: { type: "string", default: "4" },
  },
});
const fileCount = Number(values.files);
const runs = Number(values.runs);

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A tree like a front-end repository's: long paths, 100 directories. */
async function makeTree(count: number): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "platform-sync-bench-" });
  for (let i = 0; i < count; i++) {
    const dir = `${root}/src/components/some-rather-long-directory-name-${
      String(i % 100).padStart(2, "0")
    }`;
    if (i < 100) await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/component-file-number-${String(i).padStart(4, "0")}.js`,
      `export const n = ${i};\n`.repeat(10),
    );
  }
  return root;
}

/** Milliseconds of a local tar -c | tar -x of root into a fresh directory. */
async function localTar(root: string): Promise<number> {
  const out = await Deno.makeTempDir({ prefix: "platform-sync-bench-out-" });
  const started = performance.now();
  const copied = await new Deno.Command("sh", {
    args: ["-c", 'tar -c -f - -C "$1" . | tar -x -f - -C "$2"', "sh", root, out],
  }).output();
  const ms = performance.now() - started;
  await Deno.remove(out, { recursive: true });
  if (!copied.success) throw new Error(new TextDecoder().decode(copied.stderr));
  return ms;
}

const cluster = await testCluster();
const kube = await Kube.connect({ kubeconfig: cluster.kubeconfigPath });
await kube.clientNode(); // exec goes through client-node
const core = cluster.kubeconfig.makeApiClient(k8s.CoreV1Api);
await using ns = await uniqueNamespace("sync-bench");
const pod = "sync-bench";
await core.createNamespacedPod({
  namespace: ns.name,
  body: {
    metadata: { name: pod },
    spec: { containers: [{ name: "app", image: "registry.invalid/platform-test/app:1" }] },
  },
});
await waitFor(
  `pod ${ns.name}/${pod} to run`,
  async () =>
    (await core.readNamespacedPod({ name: pod, namespace: ns.name })).status?.phase === "Running",
  {
    timeoutMs: 60_000,
  },
);
await waitForSandbox(ns.name, pod, 60_000);
const target = { kube, namespace: ns.name, pod, container: "app" };

const root = await makeTree(fileCount);
try {
  const syncMs: number[] = [];
  const tarMs: number[] = [];
  let bytes = 0;
  for (let run = 0; run < runs; run++) {
    // Each run starts from an empty workdir, as a session's first sync does.
    // Alternate which goes first: the disk's write-back of one run's files slows the next.
    if (run % 2) tarMs.push(await localTar(root));
    const started = performance.now();
    const stats = await initialSync(target, root, `tree-${run}`);
    syncMs.push(performance.now() - started);
    bytes = stats.bytes;
    if (!(run % 2)) tarMs.push(await localTar(root));
  }
  const figures = {
    files: fileCount,
    archiveBytes: bytes,
    runs,
    initialSyncMs: Math.round(median(syncMs)),
    localTarMs: Math.round(median(tarMs)),
    ratio: Number((median(syncMs) / median(tarMs)).toFixed(2)),
  };
  console.log(JSON.stringify(figures, null, 2));
} finally {
  await Deno.remove(root, { recursive: true });
}
