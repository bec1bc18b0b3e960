import assert from "node:assert/strict";
import { ignoreMatcher, parseIgnore } from "../../lib/session/ignore.ts";
import { parseForward } from "../../lib/session/forward.ts";
import { devCopy, specHash } from "../../lib/session/swap.ts";
import { devSettings } from "../../lib/session/dev_settings.ts";
import { mergeSettings } from "../../lib/settings.ts";
import { oktetoDown, oktetoUp } from "../../providers/sessions/okteto.ts";
import { telepresencePlan } from "../../providers/sessions/telepresence.ts";
import { mirrordArgv } from "../../providers/sessions/mirrord.ts";
import { DRIVER_NAMES, driverNamed } from "../../providers/sessions/registry.ts";
import { PlatformError } from "../../mod.ts";

Deno.test(".stignore / .gitignore patterns: names, directories, globs, anchored paths, negation", () => {
  const ignored = ignoreMatcher(
    parseIgnore("node_modules\n*.log\n/build/\ndocs/*.tmp\n!keep.log\n# comment\n"),
  );
  assert.ok(ignored("node_modules/x/index.js"));
  assert.ok(ignored("src/node_modules"));
  assert.ok(ignored("debug.log"));
  assert.ok(!ignored("keep.log"), "negation re-includes");
  assert.ok(ignored("build/out.js"));
  assert.ok(!ignored("src/build.js"));
  assert.ok(ignored("docs/a.tmp"));
  assert.ok(ignored(".git/HEAD"), ".git is never synced");
  assert.ok(!ignored("server.js"));
});

Deno.test("forward entries parse as local:remote and bad ones are refused", () => {
  assert.deepEqual(parseForward("8080:80"), { local: 8080, remote: 80 });
  assert.deepEqual(parseForward("9000"), { local: 9000, remote: 9000 });
  for (const bad of ["x", "0:80", "8080:70000", "80:80:80"]) {
    assert.throws(() => parseForward(bad), PlatformError);
  }
});

Deno.test("the spec hash ignores key order and sees any change", async () => {
  const a = await specHash({
    spec: { containers: [{ name: "a", image: "i" }] },
    metadata: { labels: { x: "1" } },
  });
  const b = await specHash({
    metadata: { labels: { x: "1" } },
    spec: { containers: [{ image: "i", name: "a" }] },
  });
  const c = await specHash({
    metadata: { labels: { x: "1" } },
    spec: { containers: [{ image: "j", name: "a" }] },
  });
  assert.equal(a, b);
  assert.notEqual(a, c);
});

Deno.test("the dev copy keeps labels, env, secrets and volumes, swaps the image and keeps the pod alive", () => {
  const original = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "alice", labels: { app: "web" } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          volumes: [{ name: "data", emptyDir: {} }],
          containers: [{
            name: "web",
            image: "web:1",
            args: ["--serve"],
            env: [{ name: "A", value: "1" }],
            envFrom: [{ secretRef: { name: "db" } }],
            readinessProbe: { httpGet: { path: "/" } },
            volumeMounts: [{ name: "data", mountPath: "/data" }],
          }],
        },
      },
    },
  };
  const copy = devCopy(original, { image: "node:20", environment: { DEBUG: "1" } });
  assert.equal(copy.metadata.name, "web-dev");
  assert.equal(copy.spec.replicas, 1);
  assert.equal(copy.spec.template.metadata.labels.app, "web", "the Service still selects it");
  assert.equal(copy.spec.template.metadata.labels["platform.dev/role"], "dev-copy");
  const container = copy.spec.template.spec.containers[0];
  assert.equal(container.image, "node:20");
  assert.equal(container.command[0], "sh");
  assert.equal(container.args, undefined);
  assert.equal(container.readinessProbe, undefined);
  assert.deepEqual(container.env, [{ name: "A", value: "1" }, { name: "DEBUG", value: "1" }]);
  assert.deepEqual(container.envFrom, [{ secretRef: { name: "db" } }]);
  assert.deepEqual(copy.spec.template.spec.volumes, [{ name: "data", emptyDir: {} }]);
  assert.equal(
    original.spec.template.spec.containers[0].image,
    "web:1",
    "the original object is not changed",
  );
});

Deno.test("dev settings come from platform.yaml, else from the seed's okteto.yaml", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/okteto.yaml`,
    "dev:\n  silly-demo:\n    image: okteto/golang:1\n    command: bash\n    sync:\n      - .:/usr/src/app\n    forward:\n      - 8080:8080\n      - 2345:2345\n",
  );
  const base = mergeSettings({ baseDir: dir, dotenv: {}, env: {}, flags: {} });
  const fromOkteto = await devSettings(base, dir);
  assert.equal(fromOkteto.image, "okteto/golang:1");
  assert.deepEqual(fromOkteto.command, ["sh", "-c", "bash"]);
  assert.equal(fromOkteto.workdir, "/usr/src/app");
  assert.deepEqual(fromOkteto.forwards, [{ local: 8080, remote: 8080 }, {
    local: 2345,
    remote: 2345,
  }]);
  const fromPlatform = await devSettings(
    mergeSettings({
      baseDir: dir,
      dotenv: {},
      env: {},
      flags: {},
      file: { dev: { image: "node:20", command: ["node", "s.js"], workdir: "app" } },
    }),
    dir,
  );
  assert.equal(fromPlatform.image, "node:20");
  assert.deepEqual(fromPlatform.command, ["node", "s.js"]);
  assert.deepEqual(fromPlatform.forwards, [{ local: 8080, remote: 8080 }]);
});

Deno.test("the wrapped CLIs get exact argv arrays", () => {
  const target = {
    namespace: "alice",
    app: "silly-demo",
    dev: { command: ["go", "run", "."], forwards: [{ local: 8080, remote: 8080 }] },
  };
  assert.deepEqual(oktetoUp(target), ["okteto", "up", "silly-demo", "--namespace", "alice"]);
  assert.deepEqual(oktetoDown(target), ["okteto", "down", "silly-demo", "--namespace", "alice"]);
  assert.deepEqual(telepresencePlan(target as never), [
    ["telepresence", "connect", "--namespace", "alice"],
    ["telepresence", "intercept", "silly-demo", "--port", "8080:8080", "--", "go", "run", "."],
  ]);
  assert.deepEqual(mirrordArgv(target as never), [
    "mirrord",
    "exec",
    "--target",
    "deployment/silly-demo",
    "-n",
    "alice",
    "--",
    "go",
    "run",
    ".",
  ]);
});

Deno.test("the wrapped CLIs attach to the context platform used and intercept the Service's port", () => {
  const target = {
    namespace: "alice",
    app: "silly-demo",
    dev: { command: ["go", "run", "."], forwards: [{ local: 3000, remote: 8080 }] },
    cluster: { kubeconfig: "/w/a.yaml:/w/b.yaml", context: "staging-eu" },
  };
  assert.deepEqual(oktetoUp(target), [
    "okteto",
    "up",
    "silly-demo",
    "--namespace",
    "alice",
    "--context",
    "staging-eu",
  ]);
  assert.deepEqual(telepresencePlan({ ...target, servicePort: 80 } as never), [
    ["telepresence", "connect", "--namespace", "alice", "--context", "staging-eu"],
    ["telepresence", "intercept", "silly-demo", "--port", "3000:80", "--", "go", "run", "."],
  ]);
  assert.deepEqual(mirrordArgv(target as never).slice(5, 9), [
    "alice",
    "--context",
    "staging-eu",
    "--",
  ]);
});

Deno.test("drivers that wrap a CLI fail preflight with an install hint when it is missing", async () => {
  assert.deepEqual([...DRIVER_NAMES], ["builtin", "okteto", "telepresence", "mirrord"]);
  for (const name of ["okteto", "telepresence", "mirrord"]) {
    await assert.rejects(
      driverNamed(name).preflight({ PATH: "/nonexistent" }),
      (error: unknown) => {
        assert.ok(error instanceof PlatformError);
        assert.match(error.message, new RegExp(`${name} is not installed`));
        assert.match(error.hint ?? "", /install/);
        return true;
      },
    );
  }
  assert.throws(() => driverNamed("devspace"), /unknown session driver/);
});

Deno.test("okteto.yaml environment values keep every = after the first", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/okteto.yaml`,
    "dev:\n  silly-demo:\n    image: node:20\n    environment:\n      - DSN=postgres://db/app?sslmode=require&x=1\n      - EMPTY=\n      - BARE\n",
  );
  const dev = await devSettings(
    mergeSettings({ baseDir: dir, dotenv: {}, env: {}, flags: {} }),
    dir,
  );
  assert.deepEqual(dev.environment, {
    DSN: "postgres://db/app?sslmode=require&x=1",
    EMPTY: "",
    BARE: "",
  });
});
