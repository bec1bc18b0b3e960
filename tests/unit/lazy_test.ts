/**
 * Every lazy import names one module twice, in its type and in its path;
 * the two must agree, or the compiler checks one module and the run loads
 * another. The sources are read as text, the way a reviewer would.
 */
import assert from "node:assert/strict";
import { lazy, lazyPackage } from "../../lib/lazy.ts";

const ROOT = new URL("../../", import.meta.url);
const DIRS = ["lib/", "commands/", "providers/", "templates/", "platform.ts"];

async function* sources(path: URL): AsyncGenerator<URL> {
  const info = await Deno.stat(path);
  if (info.isFile) {
    if (path.pathname.endsWith(".ts")) yield path;
    return;
  }
  for await (const entry of Deno.readDir(path)) {
    yield* sources(new URL(entry.isDirectory ? `${entry.name}/` : entry.name, path));
  }
}

Deno.test("each lazy<typeof import(X)>(Y) names one module: X is Y", async () => {
  const call = /lazy<typeof import\("([^"]+)"\)>\(\s*"([^"]+)"/g;
  const bare = /lazyPackage<[^>]*>\(\s*"([^"]+)"/g;
  let calls = 0;
  for (const dir of DIRS) {
    for await (const file of sources(new URL(dir, ROOT))) {
      const text = await Deno.readTextFile(file);
      for (const [, typed, loaded] of text.matchAll(call)) {
        calls++;
        assert.equal(
          loaded,
          typed,
          `${file.pathname}: the type names ${typed}, the run loads ${loaded}`,
        );
      }
      for (const [, name] of text.matchAll(bare)) {
        const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
        assert.ok(
          name in config.imports,
          `${file.pathname}: ${name} is not in deno.json's imports`,
        );
      }
    }
  }
  assert.ok(calls >= 20, `only ${calls} lazy imports found: has the pattern changed?`);
});

Deno.test("lazy imports resolve against the importing module and load the module itself", async () => {
  const direct = await import("../../lib/duration.ts");
  const loaded = await lazy<typeof direct>("../../lib/duration.ts", import.meta.url);
  assert.equal(loaded, direct, "the same module instance, not a copy");
  await assert.rejects(lazy("./no_such_module.ts", import.meta.url));
  const yaml = await lazyPackage<typeof import("js-yaml")>("js-yaml");
  assert.equal(typeof yaml.load, "function");
});
