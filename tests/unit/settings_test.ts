import assert from "node:assert/strict";
import { loadSettings, mergeSettings, PlatformError, platformYamlJsonSchema } from "../../mod.ts";
import { parseDuration } from "../../commands/options.ts";

Deno.test("settings come from flags, then environment, then platform.yaml, then .env, then defaults", () => {
  const base = { baseDir: "/repo", dotenv: {}, env: {}, flags: {} };
  assert.equal(mergeSettings(base).ingressHost, undefined);
  assert.equal(
    mergeSettings({ ...base, dotenv: { INGRESS_HOST: "dotenv" } }).ingressHost,
    "dotenv",
  );
  assert.equal(
    mergeSettings({ ...base, dotenv: { INGRESS_HOST: "dotenv" }, file: { ingressHost: "file" } })
      .ingressHost,
    "file",
  );
  const withEnv = {
    ...base,
    dotenv: { INGRESS_HOST: "dotenv" },
    file: { ingressHost: "file" },
    env: { INGRESS_HOST: "env" },
  };
  assert.equal(mergeSettings(withEnv).ingressHost, "env");
  assert.equal(mergeSettings(withEnv).ingressHostSource, "env");
  const withFlag = mergeSettings({ ...withEnv, flags: { ingressHost: "flag" } });
  assert.equal(withFlag.ingressHost, "flag");
  assert.equal(withFlag.ingressHostSource, "flag");
  const defaults = mergeSettings(base);
  assert.equal(defaults.app, "silly-demo");
  assert.equal(defaults.port, 8080);
  assert.equal(defaults.template, "auto");
});

Deno.test("a relative KUBECONFIG in .env resolves from the directory of .env", () => {
  const settings = mergeSettings({
    baseDir: "/repo",
    dotenv: { KUBECONFIG: "kubeconfig.yaml" },
    env: {},
    flags: {},
  });
  assert.equal(settings.kubeconfig, "/repo/kubeconfig.yaml");
});

Deno.test("platform.yaml with an unknown key or a wrong type is refused naming the file and the key", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/platform.yaml`, "app: web\nimagee: x\nport: eighty\n");
    await assert.rejects(loadSettings({ cwd: dir, env: {} }), (error: unknown) => {
      assert.ok(error instanceof PlatformError);
      assert.match(error.message, /platform\.yaml is not valid/);
      assert.match(error.message, /imagee/);
      assert.match(error.message, /port/);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("platform.yaml and .env are both read from the working directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/platform.yaml`, "app: web\ntag: '1.2'\n");
    await Deno.writeTextFile(
      `${dir}/.env`,
      "export INGRESS_HOST=10.0.0.1.nip.io\nexport PROVIDER=aws\n",
    );
    const settings = await loadSettings({ cwd: dir, env: {} });
    assert.equal(settings.app, "web");
    assert.equal(settings.tag, "1.2");
    assert.equal(settings.ingressHost, "10.0.0.1.nip.io");
    assert.equal(settings.provider, "aws");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the committed platform.schema.json is the one generated from the zod schema", async () => {
  const committed = JSON.parse(
    await Deno.readTextFile(new URL("../../platform.schema.json", import.meta.url)),
  );
  assert.deepEqual(committed, platformYamlJsonSchema());
});

Deno.test("durations are bounded: 24h is the longest wait, 597h is refused before any timer overflows", () => {
  assert.equal(parseDuration("24h"), 86_400);
  assert.throws(() => parseDuration("597h"), /duration "597h" is longer than 24h/);
  assert.throws(() => parseDuration("86401"), /longer than 24h/);
});
