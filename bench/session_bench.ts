/**
 * Dev-session figures on the local cluster (./denow task cluster:up first):
 * - save to new response on the forwarded port, median and p95 over N saves,
 *   beside save to file-in-container (the sync alone) and, in turns with it,
 *   save to new response of the same app under `node --watch` on this
 *   machine (the dev server's own restart: the baseline);
 * - initial sync of a 1,000-file tree, beside a local `tar | tar -x` of the
 *   same tree in the same run (the baseline);
 * - API requests per minute of an idle session.
 * Run: ./denow run -A bench/session_bench.ts [--saves 50] [--idle 60]
 */
import { parseArgs } from "node:util";
import { cp } from "node:fs/promises";
import { applyDev, Kube, lineReporter, uninstallDev } from "../mod.ts";
import { initialSync } from "../lib/session/sync.ts";
import { KUBECONFIG_PATH, PODS_DIR } from "../tests/cluster/cluster.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { saves: { type: "string", default: "50" }, idle: { type: "string", default: "60" } },
});
const saves = Number(values.saves);
const idleSeconds = Number(values.idle);
const root = new URL("..", import.meta.url).pathname;
const user = `bench-${crypto.randomUUID().slice(0, 5)}`;
const dir = await Deno.makeTempDir({ prefix: "platform-bench-" });
await cp(`${root}examples/silly-demo`, dir, { recursive: true });
const freePort = () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
};
const port = freePort();
await Deno.writeTextFile(
  `${dir}/platform.yaml`,
  (await Deno.readTextFile(`${dir}/platform.yaml`)).replace("- 8080:8080", `- ${port}:8080`),
);

const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];
// As curl or a browser's reload would: a new connection each time (a kept-alive one to the old
// server is closed a second after it exits), and no client timeout shorter than a person waits.
const get = async (on = port) => {
  using client = Deno.createHttpClient({});
  try {
    return (await (await fetch(`http://127.0.0.1:${on}/`, {
      client,
      signal: AbortSignal.timeout(30_000),
    })).text()).trim();
  } catch {
    return "";
  }
};
const env = {
  ...Deno.env.toObject(),
  KUBECONFIG: KUBECONFIG_PATH,
  INGRESS_HOST: "127.0.0.1.nip.io",
};
// The baseline: the same app under node --watch here, saved in turns with the session's copy.
const localDir = await Deno.makeTempDir({ prefix: "platform-bench-local-" });
await cp(`${root}examples/silly-demo`, localDir, { recursive: true });
const localPort = freePort();
const local = new Deno.Command("node", {
  args: ["--watch", "server.js"],
  cwd: localDir,
  env: { PORT: String(localPort), HOST: "127.0.0.1" },
  stdout: "null",
  stderr: "null",
}).spawn();
/**
 * Saves `message.js` in `into` and waits for `on` to answer the new text; returns the ms. With
 * `landed`, also reports when the file reached that directory (the session's copy in its pod).
 */
const saveAndWait = async (
  into: string,
  on: number,
  landed?: { dir: string; seen: (ms: number) => void },
) => {
  const text = `message ${crypto.randomUUID().slice(0, 8)}`;
  const started = performance.now();
  await Deno.writeTextFile(
    `${into}/message.js`,
    `export const message = ${JSON.stringify(text)};\n`,
  );
  let fileSeen = !landed;
  while (true) {
    if (
      landed && !fileSeen &&
      (await Deno.readTextFile(`${landed.dir}/message.js`).catch(() => "")).includes(text)
    ) {
      landed.seen(performance.now() - started);
      fileSeen = true;
    }
    if ((await get(on)) === text) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
const result = await applyDev(user, { env, cwd: dir, session: { dir }, reporter: lineReporter() });
const session = result.session!;
try {
  while (!(await get())) await new Promise((resolve) => setTimeout(resolve, 100));
  const kube = await Kube.connect({ kubeconfig: KUBECONFIG_PATH });
  await kube.clientNode(); // the sync's exec goes through client-node
  const pods = await kube.list("v1", "Pod", {
    namespace: user,
    labelSelector: "platform.dev/role=dev-copy",
  });
  const remote = `${PODS_DIR}/${user}/${pods.items[0].metadata.name}/app`;
  while (!(await get(localPort))) await new Promise((resolve) => setTimeout(resolve, 100));

  const toFile: number[] = [];
  const toResponse: number[] = [];
  const localRestart: number[] = [];
  for (let i = 0; i < saves; i++) {
    localRestart.push(await saveAndWait(localDir, localPort));
    toResponse.push(await saveAndWait(dir, port, { dir: remote, seen: (ms) => toFile.push(ms) }));
  }
  local.kill();

  const tree = await Deno.makeTempDir({ prefix: "platform-tree-" });
  for (let i = 0; i < 1000; i++) {
    await Deno.mkdir(`${tree}/d${i % 20}`, { recursive: true });
    await Deno.writeTextFile(`${tree}/d${i % 20}/f${i}.txt`, `file ${i}\n`.repeat(20));
  }
  const target = {
    kube,
    namespace: user,
    pod: pods.items[0].metadata.name!,
    container: "silly-demo",
  };
  const syncStarted = performance.now();
  const stats = await initialSync(target, tree, "tree");
  const syncMs = performance.now() - syncStarted;
  const out = await Deno.makeTempDir();
  const baselineStarted = performance.now();
  await new Deno.Command("sh", {
    args: ["-c", 'tar -c -f - -C "$1" . | tar -x -f - -C "$2"', "sh", tree, out],
  }).output();
  const baselineMs = performance.now() - baselineStarted;

  const before = session.apiRequests();
  await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
  const idleRequests = session.apiRequests() - before;

  const figures = {
    saves,
    saveToFileMs: {
      median: Math.round(quantile(toFile, 0.5)),
      p95: Math.round(quantile(toFile, 0.95)),
    },
    saveToResponseMs: {
      median: Math.round(quantile(toResponse, 0.5)),
      p95: Math.round(quantile(toResponse, 0.95)),
    },
    localRestartMs: {
      median: Math.round(quantile(localRestart, 0.5)),
      p95: Math.round(quantile(localRestart, 0.95)),
    },
    // The goal's ratio: save to response over the dev server's own restart plus the sync.
    ratioToRestartPlusSync: {
      median: Number(
        (quantile(toResponse, 0.5) / (quantile(localRestart, 0.5) + quantile(toFile, 0.5)))
          .toFixed(2),
      ),
      p95: Number(
        (quantile(toResponse, 0.95) / (quantile(localRestart, 0.95) + quantile(toFile, 0.95)))
          .toFixed(2),
      ),
    },
    initialSync1000Files: {
      ms: Math.round(syncMs),
      bytes: stats.bytes,
      baselineLocalTarMs: Math.round(baselineMs),
      ratio: Number((syncMs / baselineMs).toFixed(1)),
    },
    idleApiRequestsPerMinute: Math.round(idleRequests * 60 / idleSeconds),
    stopToRestoredMs: 0,
  };
  // What Ctrl-C does for an idle session: stop, restore, verify, release the Lease.
  const stopStarted = performance.now();
  await session.stop();
  figures.stopToRestoredMs = Math.round(performance.now() - stopStarted);
  console.log(JSON.stringify(figures, null, 2));
  await Deno.mkdir(`${root}bench/results`, { recursive: true });
  await Deno.writeTextFile(
    `${root}bench/results/session.json`,
    JSON.stringify({ date: new Date().toISOString(), ...figures }, null, 2),
  );
} finally {
  try {
    local.kill();
  } catch {
    // already stopped
  }
  await local.status;
  await session.stop(); // a no-op when the figures already stopped it
  await uninstallDev(user, { env, cwd: dir });
}
