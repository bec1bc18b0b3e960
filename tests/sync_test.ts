/**
 * The builtin session's file sync against the real local cluster: exec goes
 * through the API server and kwok's kubelet and runs in the pod's sandbox
 * directory on this machine, so what arrived is read straight from there.
 * - the initial sync of a 10,000-file tree with long, spaced and non-ASCII
 *   names completes (it used to deadlock) and every byte arrives; removing
 *   all 10,000 again is one exec;
 * - during a session: a 500-file branch switch, a directory rename, a
 *   deletion, nested .gitignore files, and symlinks to outside the repo
 *   (never uploaded as content);
 * - a failing sync is kept in the stats; an exec that never ends times out.
 */
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { Kube } from "../mod.ts";
import { execCollect, type ExecTarget } from "../lib/session/exec.ts";
import { initialSync, removeFiles, type SyncStats, watchAndSync } from "../lib/session/sync.ts";
import { testCluster, uniqueNamespace, waitFor, waitForSandbox } from "./helpers/cluster.ts";

const cluster = await testCluster();
const kube = await Kube.connect({ kubeconfig: cluster.kubeconfigPath });
await kube.clientNode(); // exec goes through client-node
const core = cluster.kubeconfig.makeApiClient(k8s.CoreV1Api);

// client-node keeps HTTP connections alive between requests; Deno's
// sanitizers would report those pooled sockets as leaks of each test.
const relaxed = { sanitizeOps: false, sanitizeResources: false };

/** Where the sync goes, relative to the pod's directory (exec's working directory). */
const WORKDIR = "app";

/** A running pod with a sandbox in `namespace`, and the ExecTarget for it. */
async function syncPod(namespace: string): Promise<{ target: ExecTarget; remote: string }> {
  const name = "sync";
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name },
      // kwok never pulls images; the name only has to be valid.
      spec: { containers: [{ name: "app", image: "registry.invalid/platform-test/app:1" }] },
    },
  });
  await waitFor(
    `pod ${namespace}/${name} to run`,
    async () => (await core.readNamespacedPod({ name, namespace })).status?.phase === "Running",
    {
      timeoutMs: 60_000,
    },
  );
  await waitForSandbox(namespace, name, 60_000);
  return {
    target: { kube, namespace, pod: name, container: "app" },
    remote: `${cluster.podDir(namespace, name)}/${WORKDIR}`,
  };
}

/** Fails (rather than hangs) when `promise` has not settled within `ms`. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Writes `files` (path → content) under `root`, creating directories. */
async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  const made = new Set<string>();
  for (const [path, content] of Object.entries(files)) {
    const dir = path.slice(0, path.lastIndexOf("/"));
    if (dir && !made.has(dir)) {
      await Deno.mkdir(`${root}/${dir}`, { recursive: true });
      made.add(dir);
    }
    await Deno.writeTextFile(`${root}/${path}`, content);
  }
}

/** Every regular file under `root` (symlinks reported as such), relative paths sorted. */
async function walk(root: string): Promise<{ files: string[]; symlinks: string[] }> {
  const files: string[] = [];
  const symlinks: string[] = [];
  const visit = async (dir: string) => {
    for await (const entry of Deno.readDir(dir ? `${root}/${dir}` : root)) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isSymlink) symlinks.push(path);
      else if (entry.isDirectory) await visit(path);
      else if (entry.isFile) files.push(path);
    }
  };
  await visit("");
  return { files: files.sort(), symlinks: symlinks.sort() };
}

/** One SHA-256 over every file's path and content: equal trees, equal hashes. */
async function treeHash(root: string, files: string[]): Promise<string> {
  const encoder = new TextEncoder();
  const parts: Uint8Array<ArrayBuffer>[] = [];
  for (const file of files) {
    parts.push(
      encoder.encode(`${file}\0`),
      await Deno.readFile(`${root}/${file}`),
      encoder.encode("\0"),
    );
  }
  const digest = await crypto.subtle.digest("SHA-256", await new Blob(parts).arrayBuffer());
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

const exists = (path: string) => Deno.lstat(path).then(() => true, () => false);
const read = (path: string) => Deno.readTextFile(path).catch(() => undefined);

/** The 10,000-file tree of the first test: long paths, spaces, non-ASCII names. */
function bigTree(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < 10_000; i++) {
    const dir = `src/components/some-rather-long-directory-name-${
      String(i % 100).padStart(2, "0")
    }`;
    files[`${dir}/component-file-number-${String(i).padStart(4, "0")}.js`] =
      `export const n = ${i};\n`;
  }
  files["Grüße/naïve file ñ.txt"] = "Grüße, naïve ñ\n";
  files["日本語/ファイル.txt"] = "日本語のファイル\n";
  files["with space/and 'quotes' \"too\".txt"] = "quoted\n";
  files["-starts-with-dash.txt"] = "dash\n";
  return files;
}

Deno.test(
  "the initial sync of 10,000 files with long, spaced and non-ASCII names completes and every byte arrives; 10,000 removals are one exec",
  relaxed,
  async () => {
    await using ns = await uniqueNamespace("sync-big");
    const { target, remote } = await syncPod(ns.name);
    const root = await Deno.makeTempDir({ prefix: "platform-sync-big-" });
    try {
      const files = bigTree();
      await writeTree(root, files);
      await Deno.writeTextFile(`${root}/.gitignore`, "*.log\n");
      await Deno.writeTextFile(`${root}/debug.log`, "not sent\n");
      const local = (await walk(root)).files.filter((file) => file !== "debug.log");

      const started = performance.now();
      const stats = await within(600_000, "the initial sync", initialSync(target, root, WORKDIR));
      const syncMs = performance.now() - started;

      assert.equal(stats.files, local.length);
      const arrived = await walk(remote);
      assert.equal(arrived.files.length, local.length);
      assert.deepEqual(arrived.files, local);
      assert.equal(await read(`${remote}/Grüße/naïve file ñ.txt`), "Grüße, naïve ñ\n");
      assert.equal(await read(`${remote}/日本語/ファイル.txt`), "日本語のファイル\n");
      assert.equal(await read(`${remote}/-starts-with-dash.txt`), "dash\n");
      assert.equal(
        await read(
          `${remote}/src/components/some-rather-long-directory-name-42/component-file-number-4242.js`,
        ),
        "export const n = 4242;\n",
      );
      assert.equal(await treeHash(remote, arrived.files), await treeHash(root, local));
      assert.ok(!(await exists(`${remote}/debug.log`)), ".gitignore is honoured");

      const baseline = await localTarCopy(root);
      console.log(
        `initial sync of ${stats.files} files (${stats.bytes} bytes): ${Math.round(syncMs)} ms; ` +
          `local tar | tar -x: ${Math.round(baseline)} ms; ratio ${(syncMs / baseline).toFixed(1)}`,
      );

      const removeStarted = performance.now();
      await within(300_000, "removing 10,000 files", removeFiles(target, WORKDIR, local));
      console.log(
        `removal of ${local.length} files: ${Math.round(performance.now() - removeStarted)} ms`,
      );
      assert.deepEqual((await walk(remote)).files, [], "every file was removed");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);

/** Milliseconds of a local `tar -c | tar -x` of `root` (the baseline of the figures). */
async function localTarCopy(root: string): Promise<number> {
  const out = await Deno.makeTempDir({ prefix: "platform-sync-baseline-" });
  try {
    const started = performance.now();
    const copied = await new Deno.Command("sh", {
      args: ["-c", 'tar -c -f - -C "$1" . | tar -x -f - -C "$2"', "sh", root, out],
    }).output();
    assert.ok(copied.success);
    return performance.now() - started;
  } finally {
    await Deno.remove(out, { recursive: true });
  }
}

Deno.test(
  "during a session: a 500-file branch switch, a directory rename, a deletion and nested .gitignore files arrive; symlinks to outside never do",
  relaxed,
  async () => {
    await using ns = await uniqueNamespace("sync-watch");
    const { target, remote } = await syncPod(ns.name);
    const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "platform-sync-watch-" }));
    const outside = await Deno.makeTempDir({ prefix: "platform-sync-outside-" });
    const abort = new AbortController();
    const stats: SyncStats = { files: 0, bytes: 0 };
    const errors: Error[] = [];
    const batches: number[] = [];
    let watching: Promise<void> | undefined;
    try {
      await writeTree(root, {
        ".gitignore": "node_modules\n",
        "server.js": "console.log('hi');\n",
        "notes.txt": "delete me\n",
        "lib/a.js": "a\n",
        "lib/deep/b.js": "b\n",
        "sub/.gitignore": ".env\n",
        "sub/.env": "TOKEN=local-secret\n",
        "sub/app.js": "app\n",
        "node_modules/dep/index.js": "dep\n",
      });
      await writeTree(outside, {
        "secret.txt": "SECRET FROM OUTSIDE\n",
        "dir/inner.txt": "inner\n",
      });
      Object.assign(stats, await initialSync(target, root, WORKDIR));
      assert.equal(await read(`${remote}/sub/app.js`), "app\n");
      assert.ok(!(await exists(`${remote}/sub/.env`)), "nested .gitignore: sub/.env stays home");
      assert.ok(!(await exists(`${remote}/node_modules`)));

      const ready = Promise.withResolvers<void>();
      watching = watchAndSync(target, root, WORKDIR, {
        signal: abort.signal,
        stats,
        onError: (error) => errors.push(error),
        onSync: (changed) => batches.push(changed.length),
        onWatching: ready.resolve,
      });
      await ready.promise;
      await Deno.writeTextFile(`${root}/server.js`, "console.log('v2');\n");
      await waitFor(
        "server.js v2",
        async () => (await read(`${remote}/server.js`))?.includes("v2"),
      );

      // A branch switch: 500 files at once, most in directories that did not exist.
      const branch: Record<string, string> = {};
      for (let i = 0; i < 500; i++) {
        branch[`feature/part-${i % 10}/file-${i}.ts`] = `export default ${i};\n`;
      }
      branch["lib/a.js"] = "a on the branch\n";
      await writeTree(root, branch);
      let missing = "";
      await waitFor("the 500 files of the branch switch", async () => {
        for (const [path, content] of Object.entries(branch)) {
          if ((await read(`${remote}/${path}`)) !== content) return void (missing = path);
        }
        return true;
      }, { timeoutMs: 120_000 }).catch((error) => {
        const seen = JSON.stringify({ missing, batches, stats, errors: errors.map(String) });
        throw new Error(`${error.message}; ${seen}`);
      });

      assert.ok(Math.max(...batches) > 20, `one archive for a branch switch: ${batches}`);

      // A directory rename: the new name's files arrive, the old name goes.
      await Deno.rename(`${root}/lib`, `${root}/library`);
      await waitFor(
        "lib renamed to library",
        async () =>
          (await read(`${remote}/library/deep/b.js`)) === "b\n" &&
          (await read(`${remote}/library/a.js`)) === "a on the branch\n" &&
          !(await exists(`${remote}/lib`)),
        { timeoutMs: 60_000 },
      );
      // Saves inside the renamed directory are seen under its new name.
      await Deno.writeTextFile(`${root}/library/deep/c.js`, "c\n");
      await waitFor(
        "library/deep/c.js",
        async () => (await read(`${remote}/library/deep/c.js`)) === "c\n",
      );
      assert.ok(!(await exists(`${remote}/lib`)), "nothing went to the old name");

      // A deletion.
      await Deno.remove(`${root}/notes.txt`);
      await waitFor("notes.txt deleted", async () => !(await exists(`${remote}/notes.txt`)));

      // Nested .gitignore files, one of them new: ignored files stay, the others go.
      await writeTree(root, {
        "sub/.env": "TOKEN=changed-secret\n",
        "sub/inner/.env": "TOKEN=deeper\n",
        "sub/inner/ok.js": "ok\n",
        "pkg/.gitignore": "*.secret\n",
        "pkg/keys.secret": "private\n",
        "pkg/index.js": "pkg\n",
      });
      await waitFor(
        "pkg/index.js and sub/inner/ok.js",
        async () =>
          (await read(`${remote}/pkg/index.js`)) === "pkg\n" &&
          (await read(`${remote}/sub/inner/ok.js`)) === "ok\n",
        { timeoutMs: 60_000 },
      );

      // Symlinks to outside the repo, created and renamed during the session.
      await Deno.symlink(`${outside}/secret.txt`, `${root}/leak.txt`);
      await Deno.symlink(`${outside}/dir`, `${root}/leakdir`);
      await Deno.symlink(`${outside}/secret.txt`, `${root}/tmp-link`);
      await Deno.rename(`${root}/tmp-link`, `${root}/renamed-link.txt`);
      await Deno.writeTextFile(`${outside}/dir/inner.txt`, "changed inner\n");
      await Deno.writeTextFile(`${root}/marker.txt`, "after the links\n");
      await waitFor("marker.txt", async () => (await read(`${remote}/marker.txt`)) !== undefined);
      // A further round trip: anything the links caused has been through a flush by now.
      await Deno.writeTextFile(`${root}/marker.txt`, "later\n");
      await waitFor(
        "marker.txt, later",
        async () => (await read(`${remote}/marker.txt`)) === "later\n",
      );

      const arrived = await walk(remote);
      for (const path of ["leak.txt", "leakdir", "renamed-link.txt", "tmp-link"]) {
        assert.ok(!(await exists(`${remote}/${path}`)), `${path} was not sent`);
      }
      for (const file of arrived.files) {
        const content = await Deno.readTextFile(`${remote}/${file}`);
        assert.ok(!content.includes("SECRET FROM OUTSIDE"), `${file} holds the outside secret`);
        assert.ok(!content.includes("inner"), `${file} holds a file from outside`);
      }
      assert.ok(!(await exists(`${remote}/sub/.env`)), "sub/.env never travelled");
      assert.ok(!(await exists(`${remote}/sub/inner/.env`)), "sub/.gitignore covers sub/inner");
      assert.ok(
        !(await exists(`${remote}/pkg/keys.secret`)),
        "a new nested .gitignore is honoured",
      );
      assert.ok(!(await exists(`${remote}/node_modules`)));
      assert.deepEqual(arrived.symlinks, [], "no symlink was created in the container either");

      const local = (await walk(root)).files.filter((file) =>
        !file.startsWith("node_modules/") && !file.endsWith(".env") && !file.endsWith(".secret")
      );
      assert.deepEqual(arrived.files, local, "the container holds exactly the tree to sync");
      assert.equal(await treeHash(remote, arrived.files), await treeHash(root, local));
      assert.deepEqual(errors, []);
      assert.equal(stats.lastError, undefined);
    } finally {
      abort.abort();
      await watching;
      await Deno.remove(root, { recursive: true });
      await Deno.remove(outside, { recursive: true });
    }
  },
);

Deno.test(
  "a sync that fails is kept in the stats (message and time) and reported once",
  relaxed,
  async () => {
    await using ns = await uniqueNamespace("sync-fail");
    const root = await Deno.makeTempDir({ prefix: "platform-sync-fail-" });
    const abort = new AbortController();
    const stats: SyncStats = { files: 0, bytes: 0 };
    const errors: Error[] = [];
    const target: ExecTarget = { kube, namespace: ns.name, pod: "no-such-pod", container: "app" };
    const ready = Promise.withResolvers<void>();
    const watching = watchAndSync(target, root, WORKDIR, {
      signal: abort.signal,
      stats,
      onError: (error) => errors.push(error),
      onWatching: ready.resolve,
    });
    try {
      await ready.promise;
      await Deno.writeTextFile(`${root}/a.txt`, "a\n");
      await waitFor("the failure in the stats", () => Promise.resolve(stats.lastError));
      assert.match(stats.lastError!, /sync of a\.txt in pod .*\/no-such-pod failed: /);
      assert.ok(stats.lastErrorAt && !Number.isNaN(Date.parse(stats.lastErrorAt)));
      assert.equal(stats.lastSync, undefined);
      // A retry fails again (backoff 1 s): still one report.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(errors.length, 1, errors.map((error) => error.message).join("\n"));
      console.log(`kept: ${stats.lastError} at ${stats.lastErrorAt}`);
    } finally {
      abort.abort();
      await watching;
      await Deno.remove(root, { recursive: true });
    }
  },
);

Deno.test("an exec that never ends fails after its timeout", relaxed, async () => {
  await using ns = await uniqueNamespace("sync-timeout");
  const { target } = await syncPod(ns.name);
  const started = performance.now();
  await assert.rejects(
    execCollect(target, ["sleep", "60"], undefined, { timeoutMs: 2000 }),
    /sleep in pod .* did not finish within 2 s/,
  );
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds < 10, `it took ${seconds} s`);
});
