/** Discovery kept on disk: fresh answers come back, old, foreign and broken ones do not. */
import assert from "node:assert/strict";
import {
  DISCOVERY_MAX_AGE_MS,
  discoveryCacheDir,
  readDiscovery,
  writeDiscovery,
} from "../../lib/kube/discovery_cache.ts";
import type { ResourceInfo } from "../../lib/kube/client.ts";

const deployments: ResourceInfo = {
  group: "apps",
  version: "v1",
  apiVersion: "apps/v1",
  kind: "Deployment",
  plural: "deployments",
  singular: "deployment",
  namespaced: true,
  shortNames: ["deploy"],
  verbs: ["get", "list"],
  categories: ["all"],
};
const server = "https://127.0.0.1:26443";

Deno.test("an answer comes back while young, for its own server only", async () => {
  const dir = await Deno.makeTempDir();
  const t0 = 1_000_000;
  await writeDiscovery(dir, server, [deployments], t0);
  assert.deepEqual(await readDiscovery(dir, server, DISCOVERY_MAX_AGE_MS, t0 + 1000), [
    deployments,
  ]);
  assert.equal(
    await readDiscovery(dir, server, DISCOVERY_MAX_AGE_MS, t0 + DISCOVERY_MAX_AGE_MS),
    undefined,
  );
  assert.equal(
    await readDiscovery(dir, server, DISCOVERY_MAX_AGE_MS, t0 - 1000),
    undefined,
    "from the future",
  );
  assert.equal(await readDiscovery(dir, "https://other:6443", DISCOVERY_MAX_AGE_MS, t0), undefined);
  assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name.endsWith(".tmp")), [false]);
});

Deno.test("a broken file is no answer, and an unwritable directory is no error", async () => {
  const dir = await Deno.makeTempDir();
  await writeDiscovery(dir, server, [deployments]);
  const [file] = [...Deno.readDirSync(dir)];
  await Deno.writeTextFile(`${dir}/${file.name}`, '{"server": "https://127.0.0.1:26443", "fetch');
  assert.equal(await readDiscovery(dir, server), undefined);
  const blocked = `${dir}/a-file`;
  await Deno.writeTextFile(blocked, "");
  await writeDiscovery(`${blocked}/below`, server, [deployments]); // mkdir fails: nothing thrown
});

Deno.test("the cache lives under XDG_CACHE_HOME, else ~/.cache, else nowhere", () => {
  assert.equal(discoveryCacheDir({ XDG_CACHE_HOME: "/x", HOME: "/h" }), "/x/platform/discovery");
  assert.equal(discoveryCacheDir({ HOME: "/h" }), "/h/.cache/platform/discovery");
  assert.equal(discoveryCacheDir({}), undefined);
});
