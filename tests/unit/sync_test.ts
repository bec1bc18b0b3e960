/**
 * The sync's local half, without a cluster: ignore rules (nested files as
 * git reads them), the tar of a large list (it used to deadlock past a
 * pipe buffer of names), how a burst of events is sorted (symlinks never
 * followed, renamed directories expanded), and the container-side script
 * that must not wait for ever for input that arrives short.
 */
import assert from "node:assert/strict";
import { ignoreMatcher, IgnoreTree, listFiles, parseIgnore } from "../../lib/session/ignore.ts";
import type { ExecTarget } from "../../lib/session/exec.ts";
import {
  classifyChanges,
  REMOTE_SCRIPTS,
  tarFiles,
  transferSeconds,
  watchAndSync,
} from "../../lib/session/sync.ts";

/** Writes `files` (path → content) under a new temp directory and returns it. */
async function tree(files: Record<string, string>): Promise<string> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "platform-sync-unit-" }));
  for (const [path, content] of Object.entries(files)) {
    const slash = path.lastIndexOf("/");
    if (slash > 0) await Deno.mkdir(`${root}/${path.slice(0, slash)}`, { recursive: true });
    await Deno.writeTextFile(`${root}/${path}`, content);
  }
  return root;
}

Deno.test("glob forms: ?, [set], [!set], **/ at the start and in the middle, dir/**, escaped characters", () => {
  const ignored = ignoreMatcher(
    parseIgnore("file?.txt\n[ab].md\nx[!0-9].c\n**/cache\nlogs/**/old\nout/**\n\\#hash\n"),
  );
  assert.ok(ignored("file1.txt") && !ignored("file10.txt"));
  assert.ok(ignored("a.md") && ignored("sub/b.md") && !ignored("c.md"));
  assert.ok(ignored("xa.c") && !ignored("x1.c"));
  assert.ok(ignored("cache") && ignored("deep/er/cache/x"));
  assert.ok(ignored("logs/old") && ignored("logs/2024/01/old"), "a/**/b also matches a/b");
  assert.ok(ignored("out/a/b.js") && !ignored("out"), "dir/** is what is inside, not dir");
  assert.ok(ignored("#hash"));
});

Deno.test("dir/ matches directories only; a slash in the middle anchors; nothing inside an ignored directory comes back", () => {
  const ignored = ignoreMatcher(
    parseIgnore("build/\ndocs/gen/\nnode_modules\n!node_modules/keep.js\n*.log\n!important.log\n"),
  );
  assert.ok(ignored("build", true) && ignored("build/x.js") && ignored("src/build/x.js"));
  assert.ok(!ignored("build"), "a file named build is not a directory");
  assert.ok(
    ignored("docs/gen/a.md") && !ignored("src/docs/gen/a.md"),
    "anchored by its middle slash",
  );
  assert.ok(ignored("node_modules/keep.js"), "git cannot re-include inside an excluded directory");
  assert.ok(ignored("a/debug.log") && !ignored("a/important.log"));
  assert.ok(ignored(".git/HEAD") && ignored("vendor/lib/.git/config"), ".git is never synced");
});

Deno.test("nested .gitignore and .stignore: relative to their directory, deeper files win, root rules still apply", async () => {
  const root = await tree({
    ".gitignore": "*.log\nsecret.txt\n",
    "app.js": "",
    "debug.log": "",
    "sub/.gitignore": ".env\n/local/\n!keep.log\n",
    "sub/.env": "TOKEN=x",
    "sub/.env.example": "TOKEN=",
    "sub/local/a.txt": "",
    "sub/deeper/local/b.txt": "",
    "sub/deeper/.env": "TOKEN=y",
    "sub/keep.log": "",
    "sub/other.log": "",
    "sub/secret.txt": "",
    "other/.stignore": "tmp\n",
    "other/tmp/x": "",
    "other/.env": "",
    "local/c.txt": "",
  });
  try {
    const ignore = new IgnoreTree(root);
    assert.deepEqual(await listFiles(root, ignore), [
      ".gitignore",
      "app.js",
      "local/c.txt",
      "other/.env",
      "other/.stignore",
      "sub/.env.example",
      "sub/.gitignore",
      "sub/deeper/local/b.txt",
      "sub/keep.log",
    ]);
    assert.ok(ignore.ignored("sub/.env") && ignore.ignored("sub/deeper/.env"));
    assert.ok(!ignore.ignored("other/.env"), "sub's rules stay in sub");
    assert.ok(!ignore.ignored("local/c.txt"), "/local/ in sub/.gitignore is sub/local only");

    await Deno.writeTextFile(`${root}/other/.gitignore`, ".env\n");
    assert.ok(!ignore.ignored("other/.env"), "rules are cached until told otherwise");
    ignore.forget("other");
    assert.ok(ignore.ignored("other/.env"), "a forgotten directory's rules are read again");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("tarFiles packs a 10,000-entry list (past any pipe buffer) with odd names, and the archive lists them all", async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 10_000; i++) {
    const dir = `src/components/some-rather-long-directory-name-${String(i % 50).padStart(2, "0")}`;
    files[`${dir}/component-file-number-${String(i).padStart(4, "0")}.js`] = `// ${i}\n`;
  }
  Object.assign(files, {
    "Grüße/naïve file ñ.txt": "grüße\n",
    "日本語/ファイル.txt": "日本語\n",
    "-C": "an option-like name\n",
    "dir/--verbose": "another\n",
  });
  const root = await tree(files);
  try {
    const names = Object.keys(files);
    const started = performance.now();
    const archive = await tarFiles(root, names);
    const ms = performance.now() - started;
    const path = `${root}.tar`;
    await Deno.writeFile(path, archive);
    const listed = await new Deno.Command("tar", { args: ["-t", "-f", path] }).output();
    await Deno.remove(path);
    assert.ok(listed.success, new TextDecoder().decode(listed.stderr));
    const entries = new TextDecoder().decode(listed.stdout).trim().split("\n")
      .map((line) => line.replace(/^\.\//, ""));
    assert.equal(entries.length, names.length);
    assert.deepEqual(entries.sort(), names.sort());
    console.log(`tar of ${names.length} files: ${archive.length} bytes in ${Math.round(ms)} ms`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("tarFiles packs the rest when a listed file vanished before packing", async () => {
  const root = await tree({ "a.txt": "a", "b.txt": "b" });
  try {
    const archive = await tarFiles(root, ["a.txt", "gone.txt", "b.txt"]);
    const listed = await new Deno.Command("tar", { args: ["-t"], stdin: "piped", stdout: "piped" })
      .spawn();
    const writer = listed.stdin.getWriter();
    await writer.write(archive);
    await writer.close();
    const names = new TextDecoder().decode((await listed.output()).stdout).trim().split("\n");
    assert.deepEqual(names, ["./a.txt", "./b.txt"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a burst of events: symlinks are never followed, a renamed directory stands for its files, ignored vanished paths stay", async () => {
  const outside = await tree({ "secret.txt": "outside the repo\n", "dir/inner.txt": "inner\n" });
  const root = await tree({
    ".gitignore": "node_modules\n",
    "plain.txt": "plain\n",
    "renamed/one.txt": "1",
    "renamed/sub/two.txt": "2",
    "renamed/.gitignore": "*.tmp\n",
    "renamed/skip.tmp": "",
  });
  try {
    await Deno.symlink(`${outside}/secret.txt`, `${root}/leak.txt`);
    await Deno.symlink(`${outside}/dir`, `${root}/leakdir`);
    const { changed, removed } = await classifyChanges(root, [
      "plain.txt",
      "leak.txt",
      "leakdir",
      "leakdir/inner.txt",
      "renamed",
      "old-name",
      "node_modules",
    ], new IgnoreTree(root));
    assert.deepEqual(changed, [
      "plain.txt",
      "renamed/.gitignore",
      "renamed/one.txt",
      "renamed/sub/two.txt",
    ]);
    assert.deepEqual(
      removed,
      ["leak.txt", "leakdir", "old-name"],
      "a symlink is not a file to send: its path is cleared; node_modules (ignored) is left alone",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("the container-side script gives up on input that arrives short, and changes nothing", async () => {
  const workdir = await Deno.makeTempDir({ prefix: "platform-sync-remote-" });
  try {
    const child = new Deno.Command("sh", {
      args: ["-c", REMOTE_SCRIPTS.WRITE, "sh", "1000", "2", workdir, "file.txt"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const started = performance.now();
    const writer = child.stdin.getWriter();
    // 10 of the 1,000 announced bytes, and the stream stays open (as an exec's may).
    await writer.write(new TextEncoder().encode("0123456789"));
    const output = await child.output();
    await writer.close().catch(() => {});
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds < 10, `it waited ${seconds} s`);
    assert.match(
      new TextDecoder().decode(output.stderr),
      /only \d+ of 1000 bytes arrived within 2 s/,
    );
    assert.ok(!new TextDecoder().decode(output.stdout).includes("platform-sync-ok"));
    assert.equal(await Deno.stat(`${workdir}/file.txt`).catch(() => null), null);
  } finally {
    await Deno.remove(workdir, { recursive: true });
  }
});

Deno.test("a transfer's deadline is a minute plus size-dependent slack", () => {
  assert.equal(transferSeconds(0), 60);
  assert.equal(transferSeconds(100 << 20), 260);
});

/** How many inotify watches this process holds (Linux: one "inotify wd:" line each in fdinfo). */
async function inotifyWatches(): Promise<number> {
  let count = 0;
  for await (const entry of Deno.readDir("/proc/self/fdinfo")) {
    const info = await Deno.readTextFile(`/proc/self/fdinfo/${entry.name}`).catch(() => "");
    count += info.split("\n").filter((line) => line.startsWith("inotify wd:")).length;
  }
  return count;
}

Deno.test({
  name: "ignored directories (node_modules, .git) are not watched: one watch per synced directory",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const files: Record<string, string> = {
      "src/a.js": "",
      "src/b/c.js": "",
      ".gitignore": "node_modules/\n",
    };
    for (let i = 0; i < 300; i++) files[`node_modules/pkg-${i}/lib/index.js`] = "";
    for (let i = 0; i < 100; i++) files[`.git/objects/${i}/x`] = "";
    const root = await tree(files);
    const abort = new AbortController();
    const before = await inotifyWatches();
    const ready = Promise.withResolvers<void>();
    // Nothing changes, so nothing is sent: the target is never used.
    const target = {} as ExecTarget;
    const watching = watchAndSync(target, root, "app", {
      signal: abort.signal,
      stats: { files: 0, bytes: 0 },
      onWatching: ready.resolve,
    });
    try {
      await ready.promise;
      // root, src, src/b: not the 900 directories of node_modules and .git.
      assert.equal((await inotifyWatches()) - before, 3);
    } finally {
      abort.abort();
      await watching;
      await Deno.remove(root, { recursive: true });
    }
  },
});
