/** The summary line tests/run_tests.ts prints for CI, from Deno's own summary. */
import assert from "node:assert/strict";
import { parseArgs, parseSummary, summaryLine } from "../run_tests.ts";

Deno.test("Deno's passing summary becomes 'N passed, N failed'", () => {
  const summary = parseSummary("ok | 5 passed (4 steps) | 0 failed (11s)");
  assert.deepEqual(summary, { passed: 5, failed: 0, ignored: 0 });
  assert.equal(summaryLine(summary!), "5 passed, 0 failed");
});

Deno.test("a failing, colored summary with ignored tests reports them as skipped", () => {
  const line =
    "\x1b[0m\x1b[31mFAILED\x1b[0m | 4 passed (3 steps) | 1 failed (1 step) | 2 ignored \x1b[0m(11s)";
  const summary = parseSummary(line);
  assert.deepEqual(summary, { passed: 4, failed: 1, ignored: 2 });
  assert.equal(summaryLine(summary!), "4 passed, 1 failed, 2 skipped");
});

Deno.test("other output lines are not taken for the summary", () => {
  assert.equal(parseSummary("a test named ok | 5 passed inside"), undefined);
  assert.equal(parseSummary("running 3 tests from ./tests/cluster_test.ts"), undefined);
});

Deno.test("run_tests keeps its own options apart from deno test's flags and paths", () => {
  assert.deepEqual(
    parseArgs(["--unit", "--filter", "exec", "--fail-fast", "tests/cluster_test.ts"]),
    {
      unit: true,
      keepCluster: false,
      flags: ["--filter", "exec", "--fail-fast"],
      paths: ["tests/cluster_test.ts"],
    },
  );
});
