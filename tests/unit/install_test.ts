import assert from "node:assert/strict";
import { shimText } from "../../scripts/install.ts";
import { LAUNCH_FLAGS } from "../../lib/launch_flags.ts";

Deno.test("the shim runs both entry points with the launch flags, so they share one code cache", () => {
  const text = shimText({ root: "/src/it's here", deno: "/opt/deno", path: "/bin/platform" });
  const execs = text.split("\n").filter((line) => line.trim().startsWith("exec "));
  assert.equal(execs.length, 2);
  const flags = LAUNCH_FLAGS.map((flag) => `'${flag}'`).join(" ");
  for (const line of execs) assert.ok(line.includes(`run ${flags} --config`), line);
  // The checkout's path is quoted for sh, apostrophe included.
  assert.ok(text.includes(`root='/src/it'\\''s here'`));
});
