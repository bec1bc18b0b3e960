/**
 * The whole inner loop on the local cluster, for real: apply dev starts a
 * builtin session against the example app (a private copy of it), the
 * forwarded port answers, a saved edit shows up, a second developer is
 * refused by name, deletions and renames sync, Ctrl-C restores and
 * verifies. A crash (kill -9) is repaired by uninstall dev, by the next
 * apply dev and by gc; a takeover leaves the environment to the new holder;
 * okteto's leftovers are repaired by gc and uninstall dev.
 */
import assert from "node:assert/strict";
import { Kube } from "../mod.ts";
import { specHash } from "../lib/session/swap.ts";
import { podDir, testCluster, waitFor } from "./helpers/cluster.ts";
import { runCli } from "./helpers/cli.ts";
import { answers, appCopy, freePort, get, startPlatform } from "./helpers/session.ts";

const cluster = await testCluster();
const kube = await Kube.connect({ kubeconfig: cluster.kubeconfigPath });
const LEASE_SECONDS = 4;

// HOME is the app's directory (nothing of the real one is read), so name Deno's cache
// explicitly: a spawned CLI would otherwise fetch npm metadata into an empty one.
const denoDir = Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`;
const env = (dir: string) => ({
  DENO_DIR: denoDir,
  KUBECONFIG: cluster.kubeconfigPath,
  INGRESS_HOST: "127.0.0.1.nip.io",
  PLATFORM_SESSION_LEASE_SECONDS: String(LEASE_SECONDS),
  // The manifests template whatever kinds the shared test cluster serves at the moment.
  PLATFORM_TEMPLATE: "manifests",
  HOME: dir,
  PATH: Deno.env.get("PATH") ?? "",
});

/** `platform <args>` in-process, from `dir`. */
const cli = (args: string[], dir: string) => runCli(args, { env: env(dir), cwd: dir });

/** Starts `platform apply dev <user> --session` as a real process in `dir`. */
const startSession = (user: string, dir: string, extra: string[] = []) =>
  startPlatform(["apply", "dev", user, "--session", "-o", "json", ...extra], {
    cwd: dir,
    env: env(dir),
  });

const deployment = (namespace: string, name: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  name,
  namespace,
});
const lease = (namespace: string, app = "silly-demo") => ({
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  name: `${app}-dev`,
  namespace,
});

async function copyPod(namespace: string): Promise<string> {
  const pods = await kube.list("v1", "Pod", {
    namespace,
    labelSelector: "platform.dev/role=dev-copy",
  });
  return pods.items.find((pod) => !pod.metadata.deletionTimestamp)!.metadata.name!;
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

/** The environment is back as recorded: replicas, spec hash, no record, no copy, no Lease. */
async function assertRestored(user: string, hash: string, replicas = 1) {
  const restored = await kube.get(deployment(user, "silly-demo"));
  assert.equal(restored!.spec.replicas, replicas);
  assert.equal(await specHash(restored!.spec.template), hash);
  assert.equal(restored!.metadata.annotations?.["platform.dev/session-original"], undefined);
  assert.equal(await kube.get(deployment(user, "silly-demo-dev")), undefined, "the copy is gone");
  assert.equal(await kube.get(lease(user)), undefined, "the lease is gone");
}

/** apply dev --no-session, then the original's spec hash. */
async function environment(user: string, dir: string): Promise<string> {
  const applied = await cli(["apply", "dev", user, "--no-session"], dir);
  assert.equal(applied.code, 0, applied.stderr);
  return await specHash((await kube.get(deployment(user, "silly-demo")))!.spec.template);
}

Deno.test("a builtin session: forward, edit, refuse a second developer, sync deletes and renames, Ctrl-C restores", async () => {
  const user = `dev-${crypto.randomUUID().slice(0, 6)}`;
  const { dir, port } = await appCopy();
  const hashBefore = await environment(user, dir);
  await Deno.writeTextFile(`${dir}/debug.log`, "not for the container\n");
  await Deno.mkdir(`${dir}/node_modules/dep`, { recursive: true });
  await Deno.writeTextFile(`${dir}/node_modules/dep/index.js`, "export {};\n");

  const session = startSession(user, dir);
  try {
    await answers(port, "This is a silly demo");
    const swapped = await kube.get(deployment(user, "silly-demo"));
    assert.equal(swapped!.spec.replicas, 0, "the original is scaled to 0");
    const record = JSON.parse(swapped!.metadata.annotations!["platform.dev/session-original"]);
    assert.deepEqual(record, { replicas: 1, specHash: hashBefore, copy: "silly-demo-dev" });

    await Deno.writeTextFile(
      `${dir}/message.js`,
      'export const message = "This is a changed demo";\n',
    );
    await answers(port, "This is a changed demo");

    const second = await cli(["apply", "dev", user, "--session"], dir);
    assert.equal(second.code, 1);
    assert.match(
      second.stderr,
      new RegExp(`held by ${user} on \\S+ \\(pid ${session.child.pid}, builtin\\) since `),
    );
    assert.match(second.stderr, /--takeover/);

    const listed = JSON.parse(
      (await cli(["list", "dev", "--user", user, "-o", "json"], dir)).stdout,
    );
    assert.match(listed[0].session, new RegExp(`^builtin ${user}@\\S+ \\d+s$`));
    assert.equal(listed[0].devSession.driver, "builtin");
    assert.equal(listed[0].devSession.forwards, `127.0.0.1:${port} -> 8080`);
    assert.ok(listed[0].devSession.syncedFiles >= 5, JSON.stringify(listed[0].devSession));
    const table = (await cli(["list", "dev", "--user", user, "-o", "table"], dir)).stdout;
    assert.match(table, /SESSION/);
    assert.match(table, new RegExp(`builtin ${user}@`));
    const gcLive = JSON.parse(
      (await cli(["gc", "-n", user, "--dry-run", "-o", "json"], dir)).stdout,
    );
    assert.deepEqual(gcLive, [], "a live session is not a leftover");

    const remote = `${podDir(user, await copyPod(user))}/app`;
    assert.ok(await exists(`${remote}/server.js`), "the initial sync went to the relative workdir");
    assert.ok(!(await exists(`${remote}/debug.log`)), ".stignore is honoured (*.log)");
    assert.ok(!(await exists(`${remote}/node_modules`)), ".stignore is honoured (node_modules)");
    await Deno.writeTextFile(`${dir}/scratch.txt`, "temporary\n");
    await waitFor("scratch.txt in the container", () => exists(`${remote}/scratch.txt`));
    await Deno.remove(`${dir}/scratch.txt`);
    await waitFor(
      "scratch.txt gone from the container",
      async () => !(await exists(`${remote}/scratch.txt`)),
    );

    await Deno.writeTextFile(`${dir}/notes.txt`, "notes\n");
    await waitFor("notes.txt in the container", () => exists(`${remote}/notes.txt`));
    await Deno.rename(`${dir}/notes.txt`, `${dir}/renamed.txt`);
    await waitFor(
      "the rename in the container",
      async () => (await exists(`${remote}/renamed.txt`)) && !(await exists(`${remote}/notes.txt`)),
    );

    // A directory moved in from outside the tree: inotify reports the directory only.
    const outside = await Deno.makeTempDir({ dir: `${dir}/..` });
    await Deno.mkdir(`${outside}/lib/deep`, { recursive: true });
    await Deno.writeTextFile(`${outside}/lib/deep/util.js`, "export const x = 1;\n");
    await Deno.rename(`${outside}/lib`, `${dir}/lib`);
    await waitFor(
      "a moved-in directory's files in the container",
      () => exists(`${remote}/lib/deep/util.js`),
    );
    await Deno.rename(`${dir}/lib`, `${dir}/vendor`);
    await waitFor(
      "a renamed directory in the container",
      async () =>
        (await exists(`${remote}/vendor/deep/util.js`)) && !(await exists(`${remote}/lib`)),
    );
  } finally {
    session.kill("SIGINT");
  }
  const output = await session.finished;
  assert.equal(output.code, 0, output.stderr);
  assert.match(
    output.stderr,
    new RegExp(
      `${user}/silly-demo restored: 1 replica\\(s\\), spec hash ${hashBefore} verified; lease released`,
    ),
  );
  assert.match(output.stderr, /silly demo listening on 127\./, "the dev command's output is shown");
  const result = JSON.parse(output.stdout);
  assert.equal(result.session.verified, true);
  assert.equal(result.session.specHash, hashBefore);
  await assertRestored(user, hashBefore);
  assert.equal((await cli(["uninstall", "dev", user], dir)).code, 0);
});

Deno.test("kill -9 mid-session: uninstall dev restores and verifies, then deletes everything", async () => {
  const user = `crash-${crypto.randomUUID().slice(0, 6)}`;
  const { dir, port } = await appCopy();
  const hash = await environment(user, dir);
  const session = startSession(user, dir);
  await answers(port, "This is a silly demo");
  session.kill("SIGKILL");
  await session.finished;
  assert.ok(await kube.get(deployment(user, "silly-demo-dev")), "the crash left the copy behind");
  assert.ok(await kube.get(lease(user)), "the crash left the lease behind");

  const removed = await cli(["uninstall", "dev", user], dir);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(
    removed.stderr,
    new RegExp(
      `session \\(builtin\\) ended; ${user}/silly-demo restored: 1 replica\\(s\\), spec hash ${hash} verified; lease released`,
    ),
  );
  for (
    const ref of [deployment(user, "silly-demo"), deployment(user, "silly-demo-dev"), lease(user)]
  ) {
    assert.equal(await kube.get(ref), undefined, `${ref.kind} ${ref.name} is gone`);
  }
});

Deno.test("kill -9 mid-session: the next apply dev repairs at once (the holder's process is gone) and SIGTERM restores", async () => {
  const user = `again-${crypto.randomUUID().slice(0, 6)}`;
  const { dir, port } = await appCopy();
  const hash = await environment(user, dir);
  const first = startSession(user, dir);
  await answers(port, "This is a silly demo");
  first.kill("SIGKILL");
  await first.finished;

  // No waiting for the Lease to expire: it names a process of this machine that is gone.
  const second = startSession(user, dir);
  try {
    await answers(port, "This is a silly demo").catch((error) => {
      throw new Error(`${error.message}\n${second.stderr()}`);
    });
    assert.match(second.stderr(), /found a session left behind by .*its process is gone/);
    assert.match(
      second.stderr(),
      new RegExp(`restored ${user}/silly-demo: 1 replica\\(s\\), spec hash ${hash} verified`),
    );
  } finally {
    second.kill("SIGTERM");
  }
  const output = await second.finished;
  assert.equal(output.code, 0, output.stderr);
  assert.match(output.stderr, new RegExp(`spec hash ${hash} verified; lease released`));
  await assertRestored(user, hash);
  assert.equal((await cli(["uninstall", "dev", user], dir)).code, 0);
});

Deno.test("kill -9 mid-session: gc --dry-run lists the leftovers, changes nothing, and gc repairs them", async () => {
  const user = `gc-${crypto.randomUUID().slice(0, 6)}`;
  const { dir, port } = await appCopy();
  const hash = await environment(user, dir);
  const session = startSession(user, dir);
  await answers(port, "This is a silly demo");
  session.kill("SIGKILL");
  await session.finished;

  const planned = JSON.parse(
    (await cli(["gc", "-n", user, "--dry-run", "-o", "json"], dir)).stdout,
  );
  assert.equal(planned.length, 1, JSON.stringify(planned));
  assert.equal(planned[0].result, "would repair");
  assert.equal(planned[0].kind, "builtin");
  assert.match(planned[0].holder, new RegExp(`pid ${session.child.pid}, its process is gone`));
  assert.equal(
    (await kube.get(deployment(user, "silly-demo")))!.spec.replicas,
    0,
    "dry run changed nothing",
  );

  const repaired = await cli(["gc", "-n", user], dir);
  assert.equal(repaired.code, 0, repaired.stderr);
  assert.match(
    repaired.stderr,
    new RegExp(`restored ${user}/silly-demo: 1 replica\\(s\\), spec hash ${hash} verified`),
  );
  await assertRestored(user, hash);
  assert.equal((await cli(["uninstall", "dev", user], dir)).code, 0);
});

Deno.test("a Lease from another machine protects its session until it expires; then gc removes it", async () => {
  const namespace = `lease-${crypto.randomUUID().slice(0, 6)}`;
  await kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
  try {
    const now = new Date().toISOString().replace("Z", "000Z");
    await kube.apply({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name: "web-dev",
        namespace,
        labels: { "platform.dev/role": "session" },
        annotations: {
          "platform.dev/holder-user": "bob",
          "platform.dev/holder-host": "bobs-laptop",
          "platform.dev/holder-pid": "1",
          "platform.dev/holder-machine": "another-machine",
          "platform.dev/driver": "builtin",
          "platform.dev/since": new Date().toISOString(),
        },
      },
      spec: {
        holderIdentity: "bob@bobs-laptop/1/abcd1234",
        leaseDurationSeconds: LEASE_SECONDS,
        acquireTime: now,
        renewTime: now,
      },
    });
    const dryRun = () => cli(["gc", "-n", namespace, "--dry-run", "-o", "json"], Deno.cwd());
    assert.deepEqual(JSON.parse((await dryRun()).stdout), [], "bob's live session is left alone");
    const found = await waitFor("the lease to expire", async () => {
      const records = JSON.parse((await dryRun()).stdout);
      return records.length ? records : undefined;
    }, { timeoutMs: (LEASE_SECONDS + 5) * 1000, intervalMs: 500 });
    assert.equal(found[0].kind, "lease");
    assert.match(found[0].holder, /^bob@bobs-laptop \(pid 1, lease expired\)$/);
    const repaired = await cli(["gc", "-n", namespace, "-o", "json"], Deno.cwd());
    assert.equal(repaired.code, 0, repaired.stderr);
    assert.equal(await kube.get(lease(namespace, "web")), undefined);
  } finally {
    await kube.delete({ apiVersion: "v1", kind: "Namespace", name: namespace });
  }
});

Deno.test("--takeover: the new holder gets a fresh copy; the old session ends without restoring", async () => {
  const user = `take-${crypto.randomUUID().slice(0, 6)}`;
  const first = await appCopy();
  const hash = await environment(user, first.dir);
  const a = startSession(user, first.dir);
  await answers(first.port, "This is a silly demo");

  const second = await appCopy();
  await Deno.writeTextFile(
    `${second.dir}/message.js`,
    'export const message = "This is the second developer";\n',
  );
  const b = startSession(user, second.dir, ["--takeover"]);
  try {
    await answers(second.port, "This is the second developer").catch((error) => {
      throw new Error(`${error.message}\nB:\n${b.stderr()}\nA:\n${a.stderr()}`);
    });
    const ended = await a.finished;
    assert.equal(ended.code, 0, ended.stderr);
    assert.match(ended.stderr, /the session was taken over by .* the environment is theirs/);
    assert.equal(JSON.parse(ended.stdout).session.restored, false);
    assert.match(b.stderr(), /session lease silly-demo-dev taken over from/);
    assert.equal(
      (await kube.get(deployment(user, "silly-demo")))!.spec.replicas,
      0,
      "the old holder left the swap to the new one",
    );
  } finally {
    b.kill("SIGINT");
  }
  const output = await b.finished;
  assert.equal(output.code, 0, output.stderr);
  assert.match(output.stderr, new RegExp(`spec hash ${hash} verified; lease released`));
  await assertRestored(user, hash);
  assert.equal((await cli(["uninstall", "dev", user], first.dir)).code, 0);
});

Deno.test("gc repairs okteto's leftovers: the -okteto clone goes, the original scales back", async () => {
  const namespace = `okteto-${crypto.randomUUID().slice(0, 6)}`;
  await kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
  const spec = (replicas: number, app: string) => ({
    replicas,
    selector: { matchLabels: { app } },
    template: {
      metadata: { labels: { app } },
      spec: { containers: [{ name: "web", image: "web:1" }] },
    },
  });
  try {
    // What `okteto up` leaves: the original at 0 with its replicas noted, a labelled clone.
    await kube.apply({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: "web",
        namespace,
        labels: { "dev.okteto.com": "true" },
        annotations: { "dev.okteto.com/replicas": "2" },
      },
      spec: spec(0, "web"),
    });
    await kube.apply({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web-okteto", namespace, labels: { "dev.okteto.com/clone": "uid" } },
      spec: spec(1, "web-okteto"),
    });
    const result = await cli(["gc", "-n", namespace, "-o", "json"], Deno.cwd());
    assert.equal(result.code, 0, result.stderr);
    const records = JSON.parse(result.stdout);
    assert.deepEqual(
      records.map((r: { app: string; kind: string; result: string }) => [r.app, r.kind, r.result]),
      [["web", "okteto", "repaired"]],
    );
    assert.equal(await kube.get(deployment(namespace, "web-okteto")), undefined);
    const web = await kube.get(deployment(namespace, "web"));
    assert.equal(web!.spec.replicas, 2);
    assert.equal(web!.metadata.labels?.["dev.okteto.com"], undefined);
    assert.equal(web!.metadata.annotations?.["dev.okteto.com/replicas"], undefined);
  } finally {
    await kube.delete({ apiVersion: "v1", kind: "Namespace", name: namespace });
  }
});

Deno.test("apply dev refuses a session without dev settings before applying anything", async () => {
  const user = `nodev-${crypto.randomUUID().slice(0, 6)}`;
  const dir = await Deno.makeTempDir();
  const result = await cli(["apply", "dev", user, "--session"], dir);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /no dev settings for silly-demo/);
  assert.match(result.stderr, /hint: add a dev section to platform\.yaml .* or pass --no-session/);
  assert.equal(
    await kube.get({ apiVersion: "v1", kind: "Namespace", name: user }),
    undefined,
    "nothing was applied",
  );
});

Deno.test("uninstall dev ends an okteto session too (okteto not installed: through the API)", async () => {
  const user = `ok-${crypto.randomUUID().slice(0, 6)}`;
  const dir = await Deno.makeTempDir();
  assert.equal((await cli(["apply", "dev", user, "--no-session"], dir)).code, 0);
  const original = await kube.get(deployment(user, "silly-demo"));
  await kube.mergePatch(deployment(user, "silly-demo"), { spec: { replicas: 0 } });
  await kube.apply({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "silly-demo-okteto", namespace: user },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "okteto-copy" } },
      template: {
        metadata: { labels: { app: "okteto-copy" } },
        spec: original!.spec.template.spec,
      },
    },
  });
  const status = JSON.parse((await cli(["status", "dev", user, "-o", "json"], dir)).stdout);
  assert.equal(status.devSession.driver, "okteto", JSON.stringify(status.devSession));
  const removed = await cli(["uninstall", "dev", user], dir);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stderr, /okteto is not installed here: undoing its swap through the API/);
  assert.match(removed.stderr, new RegExp(`restored ${user}/silly-demo from okteto: 1 replica`));
  assert.match(removed.stderr, /session \(okteto\) ended/);
  assert.equal(await kube.get(deployment(user, "silly-demo-okteto")), undefined);
  assert.equal(await kube.get(deployment(user, "silly-demo")), undefined);
});

Deno.test("the original changed during the session (new image): SIGHUP restores replicas, releases the lease, warns, and later commands work", async () => {
  const user = `drift-${crypto.randomUUID().slice(0, 6)}`;
  const { dir, port } = await appCopy();
  await environment(user, dir);
  const session = startSession(user, dir);
  await answers(port, "This is a silly demo");
  // Someone sets a new image on the original while it is at 0 replicas.
  await kube.mergePatch(deployment(user, "silly-demo"), {
    spec: {
      template: { spec: { containers: [{ name: "silly-demo", image: "ghcr.io/acme/other:9" }] } },
    },
  });
  session.kill("SIGHUP"); // the terminal closed
  const ended = await session.finished;
  assert.equal(ended.code, 0, ended.stderr);
  assert.match(
    ended.stderr,
    new RegExp(
      `warning: ${user}/silly-demo is back, but differs from what the session recorded: pod spec hash \\S+ \\(recorded \\S+\\): changed during the session`,
    ),
  );
  const original = await kube.get(deployment(user, "silly-demo"));
  assert.equal(original!.spec.replicas, 1, "replicas are back");
  assert.equal(original!.metadata.annotations?.["platform.dev/session-original"], undefined);
  assert.equal(await kube.get(lease(user)), undefined, "the lease is released");
  assert.equal(await kube.get(deployment(user, "silly-demo-dev")), undefined);

  const gc = await cli(["gc", "-n", user], dir);
  assert.equal(gc.code, 0, gc.stderr);
  const again = startSession(user, dir);
  try {
    await answers(port, "This is a silly demo");
  } finally {
    again.kill("SIGINT");
  }
  assert.equal((await again.finished).code, 0);
  assert.equal((await cli(["uninstall", "dev", user], dir)).code, 0);
});

Deno.test("a second Ctrl-C while restoring leaves at once, says what is left, and the next command repairs it", async () => {
  const user = `twice-${crypto.randomUUID().slice(0, 6)}`;
  const { dir, port } = await appCopy();
  const hash = await environment(user, dir);
  const session = startPlatform(["apply", "dev", user, "--session"], {
    cwd: dir,
    env: { ...env(dir), PLATFORM_TEST_PAUSE_AT: "restore" },
  });
  await answers(port, "This is a silly demo");
  session.kill("SIGINT");
  await waitFor(
    "the restore to pause",
    () => Promise.resolve(/paused at restore/.test(session.stderr())),
  );
  session.kill("SIGINT");
  const ended = await session.finished;
  assert.equal(ended.code, 130, ended.stderr);
  assert.match(ended.stderr, /error: interrupted again: the session's restore was not waited for/);
  assert.match(ended.stderr, new RegExp(`hint: the next \`platform apply dev ${user}\``));

  const removed = await cli(["uninstall", "dev", user], dir);
  assert.equal(removed.code, 0, removed.stderr);
  for (
    const ref of [deployment(user, "silly-demo"), deployment(user, "silly-demo-dev"), lease(user)]
  ) {
    assert.equal(await kube.get(ref), undefined, `${ref.kind} ${ref.name} is gone`);
  }
  void hash;
});

Deno.test("signals at every phase of a starting session: SIGINT, SIGTERM, SIGHUP restore; kill -9 is repaired by the next command", async () => {
  const user = `phase-${crypto.randomUUID().slice(0, 6)}`;
  const { dir } = await appCopy();
  const hash = await environment(user, dir);
  const cases: [string, Deno.Signal][] = [
    ["lease", "SIGINT"],
    ["swap", "SIGTERM"],
    ["sync", "SIGHUP"],
    ["running", "SIGINT"],
    ["lease", "SIGKILL"],
    ["swap", "SIGKILL"],
    ["sync", "SIGKILL"],
    ["running", "SIGKILL"],
  ];
  for (const [at, signal] of cases) {
    const session = startPlatform(["apply", "dev", user, "--session"], {
      cwd: dir,
      env: { ...env(dir), PLATFORM_TEST_PAUSE_AT: at },
    });
    await waitFor(
      `the session to pause at ${at}`,
      () => Promise.resolve(new RegExp(`paused at ${at}`).test(session.stderr())),
    );
    session.kill(signal);
    const ended = await session.finished;
    if (signal === "SIGKILL") {
      // The next command repairs what the crash left: the holder's process is gone.
      const repaired = await cli(["gc", "-n", user], dir);
      assert.equal(repaired.code, 0, `${at}: ${repaired.stderr}`);
    } else {
      assert.notEqual(
        ended.code,
        0,
        `${at}/${signal}: interrupted while starting is not a success`,
      );
      assert.match(
        ended.stderr,
        /interrupted while the session was starting; the environment is restored/,
      );
    }
    await assertRestored(user, hash).catch((error) => {
      throw new Error(`after ${signal} at ${at}: ${error.message}\n${ended.stderr}`);
    });
  }
  assert.equal((await cli(["uninstall", "dev", user], dir)).code, 0);
});

const skewedClock = (ms: number) => ({
  denoArgs: ["--preload", new URL("./fixtures/clock_skew.ts", import.meta.url).pathname],
  skewEnv: { PLATFORM_TEST_CLOCK_SKEW_MS: String(ms) },
});

Deno.test("a laptop clock 2 minutes behind: its live session never looks expired to others", async () => {
  const user = `behind-${crypto.randomUUID().slice(0, 6)}`;
  const { dir, port } = await appCopy();
  const hash = await environment(user, dir);
  const clock = skewedClock(-120_000);
  const session = startPlatform(["apply", "dev", user, "--session"], {
    cwd: dir,
    env: { ...env(dir), ...clock.skewEnv },
    denoArgs: clock.denoArgs,
  });
  try {
    await answers(port, "This is a silly demo");
    // Longer than the lease: a renewal judged on the laptop's clock would have expired twice over.
    await new Promise((resolve) => setTimeout(resolve, (LEASE_SECONDS + 2) * 1000));
    const planned = await cli(["gc", "-n", user, "--dry-run", "-o", "json"], dir);
    assert.deepEqual(JSON.parse(planned.stdout), [], "nothing to repair: the session is alive");
    const second = await cli(["apply", "dev", user, "--session"], dir);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /held by /);
  } finally {
    session.kill("SIGINT");
  }
  assert.equal((await session.finished).code, 0);
  await assertRestored(user, hash);
  assert.equal((await cli(["uninstall", "dev", user], dir)).code, 0);
});

Deno.test("a laptop clock 2 minutes ahead that goes to sleep: its session expires on time, gc repairs, and the waking session leaves the environment alone", async () => {
  const user = `ahead-${crypto.randomUUID().slice(0, 6)}`;
  const { dir, port } = await appCopy();
  const hash = await environment(user, dir);
  const clock = skewedClock(120_000);
  const session = startPlatform(["apply", "dev", user, "--session"], {
    cwd: dir,
    env: { ...env(dir), ...clock.skewEnv },
    denoArgs: clock.denoArgs,
  });
  await answers(port, "This is a silly demo");
  session.kill("SIGSTOP"); // the lid closes: the process lives, nothing renews
  try {
    await waitFor("gc to find the sleeping session expired", async () => {
      const planned = JSON.parse(
        (await cli(["gc", "-n", user, "--dry-run", "-o", "json"], dir)).stdout,
      );
      return planned.length === 1 && /lease expired/.test(planned[0].holder);
    }, { timeoutMs: (LEASE_SECONDS + 10) * 1000 });
    // The server's Date header has 1 s resolution, so each process judges expiry within
    // ±0.5 s: right at the edge another process may still see it live. Step past the edge.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const repaired = await cli(["gc", "-n", user], dir);
    assert.equal(repaired.code, 0, repaired.stderr);
    assert.match(repaired.stderr, new RegExp(`restored ${user}/silly-demo`));
    await assertRestored(user, hash);
  } finally {
    session.kill("SIGCONT"); // the lid opens
  }
  await waitFor(
    "the woken session to notice",
    () => Promise.resolve(/lease was removed|taken over/.test(session.stderr())),
    { timeoutMs: 30_000 },
  );
  session.kill("SIGINT");
  await session.finished;
  await assertRestored(user, hash);
  assert.equal((await cli(["uninstall", "dev", user], dir)).code, 0);
});

/** A project whose dev server is `server` (node:http's createServer imported), run by `command`. */
async function serverApp(prefix: string, server: string, command: string) {
  const user = `${prefix}-${crypto.randomUUID().slice(0, 6)}`;
  const dir = await Deno.makeTempDir({ prefix: `platform-${prefix}-` });
  const port = freePort();
  await Deno.writeTextFile(
    `${dir}/server.js`,
    `import { createServer } from "node:http";\n${server}`,
  );
  await Deno.writeTextFile(`${dir}/package.json`, '{ "type": "module" }\n');
  await Deno.writeTextFile(
    `${dir}/platform.yaml`,
    `app: silly-demo
port: 8080
dev:
  image: node:20
  command: ${command}
  workdir: app
  forward: ["${port}:8080"]
`,
  );
  return { user, dir, port };
}

Deno.test("a request sent while the dev server restarts is held and answered by the new server", async () => {
  // A dev server that exits on /restart and comes back 2 s later, as a watcher restarting on save.
  const { user, dir, port } = await serverApp(
    "restart",
    `const server = createServer((request, response) => {
  if (request.url === "/restart") {
    response.end("bye\\n", () => process.exit(0));
  } else {
    response.end("hello " + process.pid + "\\n");
  }
});
server.listen(8080, process.env.POD_IP ?? "0.0.0.0");
`,
    '[sh, -c, "while true; do node server.js; sleep 2; done"]',
  );
  const hash = await environment(user, dir);
  const session = startSession(user, dir);
  try {
    const first = await waitFor("the dev server", async () => {
      const text = await get(port);
      return text?.startsWith("hello") ? text : undefined;
    }, { timeoutMs: 60_000 });
    const bye = await fetch(`http://127.0.0.1:${port}/restart`, {
      signal: AbortSignal.timeout(30_000),
    });
    assert.equal((await bye.text()).trim(), "bye");
    const started = performance.now();
    // No client timeout shorter than a person would wait: a hang shows as a failure here.
    // A new connection, as curl or a browser's next page makes: a kept-alive one to the old
    // server is closed only a second after it exits (as containerd does).
    using client = Deno.createHttpClient({});
    const during = await fetch(`http://127.0.0.1:${port}/`, {
      client,
      signal: AbortSignal.timeout(30_000),
    });
    const text = (await during.text()).trim();
    const waited = performance.now() - started;
    assert.match(text, /^hello \d+$/);
    assert.notEqual(text, first, "answered by the new server");
    console.log(`a request during a 2 s restart was answered after ${Math.round(waited)} ms`);
  } finally {
    session.kill("SIGINT");
  }
  const ended = await session.finished;
  assert.equal(ended.code, 0, ended.stderr);
  assert.doesNotMatch(ended.stderr, /forward: .*closed/, "no connection was refused");
  await assertRestored(user, hash);
  assert.equal((await cli(["uninstall", "dev", user], dir)).code, 0);
});

Deno.test("after a save, a GET the server took and never answered is sent again on a second stream; a POST is not", async () => {
  // The first GET /stall and every POST are taken and never answered, as by a server that exits
  // mid-restart (its stream would close a second later); the rest are answered.
  const { user, dir, port } = await serverApp(
    "hedge",
    `let stalls = 0;
let posts = 0;
createServer((request, response) => {
  if (request.method === "POST") return void posts++;
  if (request.url === "/stall" && stalls++ === 0) return;
  response.end(request.url === "/posts" ? posts + "\\n" : "answered " + request.url + "\\n");
}).listen(8080, process.env.POD_IP ?? "0.0.0.0");
`,
    "[node, server.js]",
  );
  const hash = await environment(user, dir);
  const session = startSession(user, dir);
  try {
    await waitFor("the dev server", async () => (await get(port))?.startsWith("answered"), {
      timeoutMs: 60_000,
    });
    // No client timeout shorter than a person would wait: without the second stream, a hang.
    const leave = new AbortController();
    const post = fetch(`http://127.0.0.1:${port}/video`, {
      method: "POST",
      signal: AbortSignal.any([leave.signal, AbortSignal.timeout(30_000)]),
    }).catch(() => undefined);
    await Deno.writeTextFile(`${dir}/saved.txt`, "a save\n");
    using client = Deno.createHttpClient({});
    const stalled = await fetch(`http://127.0.0.1:${port}/stall`, {
      client,
      signal: AbortSignal.timeout(30_000),
    });
    assert.equal((await stalled.text()).trim(), "answered /stall");
    assert.equal(await get(port, "/posts"), "1", "the POST was sent once");
    leave.abort();
    await post;
  } finally {
    session.kill("SIGINT");
  }
  const ended = await session.finished;
  assert.equal(ended.code, 0, ended.stderr);
  await assertRestored(user, hash);
  assert.equal((await cli(["uninstall", "dev", user], dir)).code, 0);
});

Deno.test("a Lease of the session's name that platform did not make: the session is refused, even with --takeover, and nothing deletes it", async () => {
  const user = `foreign-${crypto.randomUUID().slice(0, 6)}`;
  const { dir } = await appCopy();
  const hash = await environment(user, dir);
  // Someone's own leader-election Lease that happens to have the name.
  const { object: theirs } = await kube.apply({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: "silly-demo-dev", namespace: user },
    spec: { holderIdentity: "their-controller", leaseDurationSeconds: 15 },
  }, { fieldManager: "their-controller" });
  for (const extra of [[], ["--takeover"]]) {
    const refused = await cli(["apply", "dev", user, "--session", ...extra], dir);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      refused.stderr,
      /a Lease silly-demo-dev already exists in .* is not a session lease/,
    );
  }
  const original = await kube.get(deployment(user, "silly-demo"));
  assert.equal(original!.spec.replicas, 1, "nothing was swapped");
  assert.equal(await specHash(original!.spec.template), hash);
  assert.equal(await kube.get(deployment(user, "silly-demo-dev")), undefined);
  const gc = await cli(["gc", "-n", user], dir);
  assert.equal(gc.code, 0, gc.stderr);
  const removed = await cli(["uninstall", "dev", user], dir);
  assert.equal(removed.code, 0, removed.stderr);
  const kept = await kube.get(lease(user));
  assert.equal(kept?.metadata.uid, theirs.metadata.uid, "their Lease is untouched");
  assert.equal(kept?.spec.holderIdentity, "their-controller");
  await kube.delete({ apiVersion: "v1", kind: "Namespace", name: user });
});

Deno.test("a session driver whose CLI is missing is refused before anything is applied", async () => {
  const user = `zed-${crypto.randomUUID().slice(0, 6)}`;
  const { dir } = await appCopy();
  const result = await cli(["apply", "dev", user, "--session", "--driver", "mirrord"], dir);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /mirrord is not installed; the mirrord session driver needs it/);
  assert.doesNotMatch(result.stderr, /created/, "nothing was applied");
  assert.equal(await kube.get({ apiVersion: "v1", kind: "Namespace", name: user }), undefined);
});

Deno.test("two apply dev for one user at the same moment: exactly one session, the other is told who holds it", async () => {
  const user = `race-${crypto.randomUUID().slice(0, 6)}`;
  const { dir, port } = await appCopy();
  const hash = await environment(user, dir);
  const [a, b] = [startSession(user, dir), startSession(user, dir)];
  const first = await Promise.race([
    a.finished.then(() => ({ loser: a, winner: b })),
    b.finished.then(() => ({ loser: b, winner: a })),
    answers(port, "This is a silly demo", 90_000).then(() => undefined),
  ]);
  // Whichever answered first, one of the two must end on its own, refused by name.
  const { loser, winner } = first ?? await Promise.race([
    a.finished.then(() => ({ loser: a, winner: b })),
    b.finished.then(() => ({ loser: b, winner: a })),
  ]);
  const refused = await loser.finished;
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /held by .* \(pid \d+, builtin\) since /);
  await answers(port, "This is a silly demo");
  const leases = await kube.list("coordination.k8s.io/v1", "Lease", { namespace: user });
  assert.equal(leases.items.length, 1);
  winner.kill("SIGINT");
  assert.equal((await winner.finished).code, 0);
  await assertRestored(user, hash);
  assert.equal((await cli(["uninstall", "dev", user], dir)).code, 0);
});

Deno.test("wrapped drivers attach to the kubeconfig and context platform used, and intercept the Service's port", async () => {
  const user = `wrap-${crypto.randomUUID().slice(0, 6)}`;
  const { dir, port } = await appCopy();
  await environment(user, dir);
  // A stand-in telepresence on PATH: it logs its argv and KUBECONFIG, and its intercept ends at once.
  const bin = await Deno.makeTempDir({ prefix: "platform-standin-" });
  const log = `${bin}/calls.log`;
  await Deno.writeTextFile(
    `${bin}/telepresence`,
    `#!/bin/sh\necho "KUBECONFIG=$KUBECONFIG telepresence $*" >> ${log}\n`,
  );
  await Deno.chmod(`${bin}/telepresence`, 0o755);
  const session = startPlatform(["apply", "dev", user, "--session", "--driver", "telepresence"], {
    cwd: dir,
    env: { ...env(dir), PATH: `${bin}:${Deno.env.get("PATH")}` },
  });
  const ended = await session.finished;
  assert.equal(ended.code, 0, ended.stderr);
  const calls = (await Deno.readTextFile(log)).trim().split("\n");
  const kubeconfig = `KUBECONFIG=${cluster.kubeconfigPath}`;
  const context = kube.context;
  assert.deepEqual(calls.filter((line) => !line.endsWith("telepresence version")), [
    `${kubeconfig} telepresence connect --namespace ${user} --context ${context}`,
    `${kubeconfig} telepresence intercept silly-demo --port ${port}:80 -- node --watch server.js`,
    `${kubeconfig} telepresence leave silly-demo`,
    `${kubeconfig} telepresence quit`,
  ]);
  assert.equal(await kube.get(lease(user)), undefined, "the lease is released");
  assert.equal((await cli(["uninstall", "dev", user], dir)).code, 0);
});
