/** `platform init` and finding a project's files from a subdirectory. */
import assert from "node:assert/strict";
import {
  DEVBOX_HOOK,
  initProject,
  mergeDevbox,
  mergeGitignore,
  platformYamlFor,
} from "../../lib/init.ts";
import { findUp, repositoryRoot, searchDirs } from "../../lib/project.ts";
import { loadSettings } from "../../lib/settings.ts";
import { parseYaml } from "../../lib/yaml.ts";

const OKTETO = {
  dev: {
    "silly-demo": {
      image: "node:20",
      command: ["node", "--watch", "server.js"],
      sync: [".:/usr/src/app"],
      forward: ["8080:8080", 9229],
      environment: ["LOG_LEVEL=debug", "DSN=postgres://x?sslmode=require"],
    },
  },
};

Deno.test("platform.yaml from okteto.yaml: app and dev section, valid against the schema", () => {
  const { text, from } = platformYamlFor({ fallback: "dir" }, OKTETO);
  assert.equal(from, "okteto.yaml");
  assert.deepEqual(parseYaml(text, "platform.yaml"), {
    app: "silly-demo",
    dev: {
      image: "node:20",
      command: ["node", "--watch", "server.js"],
      workdir: "/usr/src/app",
      forward: ["8080:8080", "9229"],
      environment: { LOG_LEVEL: "debug", DSN: "postgres://x?sslmode=require" },
    },
  });
  const plain = platformYamlFor({ app: "shop", fallback: "dir" });
  assert.deepEqual(parseYaml(plain.text, "platform.yaml"), { app: "shop" });
  assert.match(plain.text, /# dev:/, "says how to add a dev section");
});

Deno.test("devbox.json: created with the hook, merged into an existing one once, never twice", () => {
  const created = JSON.parse(mergeDevbox(undefined)!);
  assert.deepEqual(created.shell.init_hook, [DEVBOX_HOOK]);
  const existing = JSON.stringify({ packages: ["nodejs@20"], shell: { init_hook: "echo hi" } });
  const merged = JSON.parse(mergeDevbox(existing)!);
  assert.deepEqual(merged.packages, ["nodejs@20"]);
  assert.deepEqual(merged.shell.init_hook, ["echo hi", DEVBOX_HOOK]);
  assert.equal(mergeDevbox(JSON.stringify(merged)), undefined);
  assert.throws(() => mergeDevbox("{ // comment\n}"), /not plain JSON/);
});

Deno.test(".gitignore gains only the lines it lacks", () => {
  assert.equal(mergeGitignore("/.env\nkubeconfig.yaml\n.platform\n"), undefined);
  const merged = mergeGitignore("node_modules/\n.env")!;
  assert.match(merged, /^node_modules\/\n\.env\n\n# written by platform/);
  assert.match(merged, /\nkubeconfig\.yaml\n\.platform\/\n$/);
  assert.ok(!/\n\.env\n$/.test(merged));
});

Deno.test("init scaffolds an app repository and a second run changes nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "platform-init-" });
  await Deno.writeTextFile(`${dir}/okteto.yaml`, JSON.stringify(OKTETO));
  await Deno.writeTextFile(`${dir}/.gitignore`, "node_modules/\n");
  const dry = await initProject({ dir, dryRun: true });
  assert.deepEqual(dry.map((record) => record.action), [
    "would create",
    "would create",
    "would update",
  ]);
  await assert.rejects(Deno.stat(`${dir}/platform.yaml`), Deno.errors.NotFound);
  const first = await initProject({ dir });
  assert.deepEqual(first.map((record) => [record.file, record.action]), [
    ["platform.yaml", "created"],
    ["devbox.json", "created"],
    [".gitignore", "updated"],
  ]);
  const settings = await loadSettings({ cwd: dir, env: {} });
  assert.equal(settings.app, "silly-demo");
  assert.equal(settings.dev?.image, "node:20");
  const second = await initProject({ dir });
  assert.deepEqual(second.map((record) => record.action), ["kept", "unchanged", "unchanged"]);
});

Deno.test("platform.yaml and .env are found from a subdirectory, up to the repository root only", async () => {
  const outer = await Deno.makeTempDir({ prefix: "platform-project-" });
  const repo = `${outer}/repo`;
  await Deno.mkdir(`${repo}/.git`, { recursive: true });
  await Deno.mkdir(`${repo}/src/deep`, { recursive: true });
  await Deno.writeTextFile(`${outer}/.env`, "export INGRESS_HOST=outside.example\n");
  await Deno.writeTextFile(`${repo}/platform.yaml`, "app: shop\ntemplate: claims/dev.yaml\n");
  await Deno.writeTextFile(`${repo}/.env`, "export KUBECONFIG=kubeconfig.yaml\n");
  const cwd = `${repo}/src/deep`;
  assert.deepEqual(searchDirs(cwd), [cwd, `${repo}/src`, repo]);
  assert.equal(repositoryRoot(cwd), repo);
  assert.equal(findUp(cwd, "platform.yaml"), `${repo}/platform.yaml`);
  const settings = await loadSettings({ cwd, env: {} });
  assert.equal(settings.app, "shop");
  assert.equal(settings.configFile, `${repo}/platform.yaml`);
  assert.equal(settings.baseDir, repo, "the template path resolves from platform.yaml's directory");
  assert.equal(settings.kubeconfig, `${repo}/kubeconfig.yaml`, ".env paths resolve from .env");
  assert.equal(settings.ingressHost, undefined, "never past the repository root");
  // Outside any repository, only the current directory counts.
  assert.deepEqual(searchDirs(`${outer}`), [outer]);
});
