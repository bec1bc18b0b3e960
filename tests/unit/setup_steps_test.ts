import assert from "node:assert/strict";
import { PlatformError } from "../../lib/errors.ts";
import { recordingReporter } from "../../mod.ts";
import { runSteps, type Step, withinStep } from "../../lib/setup/steps.ts";

function step(
  name: string,
  outcome: boolean | Error,
  extra: Partial<Step> = {},
): Step & { ran: () => boolean } {
  let ran = false;
  return {
    name,
    plan: () => ({ detail: `would ${name}`, commands: [["tool", name]] }),
    run: () => {
      ran = true;
      return outcome instanceof Error
        ? Promise.reject(outcome)
        : Promise.resolve({ changed: outcome, detail: `${name} detail` });
    },
    ran: () => ran,
    ...extra,
  };
}

Deno.test("steps: ✓ for done and checked, - for skipped, one line each, records in order", async () => {
  const reporter = recordingReporter();
  const records = await runSteps(
    [step("check", false, { check: true }), step("make", true), step("again", false)],
    reporter,
    false,
  );
  assert.deepEqual(records, [
    { step: "check", status: "checked", detail: "check detail" },
    { step: "make", status: "done", detail: "make detail" },
    { step: "again", status: "skipped", detail: "again detail" },
  ]);
  assert.equal(reporter.lines.length, 3);
  assert.match(reporter.lines[0], /^✓ check: check detail \(\d+ms\)$/);
  assert.match(reporter.lines[1], /^✓ make: make detail/);
  assert.equal(reporter.lines[2], "- again: skipped, already done (again detail)");
});

Deno.test("steps: a failure prints ✗, stops, and is rethrown as it was", async () => {
  const reporter = recordingReporter();
  const after = step("after", true);
  const failure = new Error("helm exited with 1:\n  details");
  await assert.rejects(
    runSteps([step("first", true), step("broken", failure), after], reporter, false),
    (error) => error === failure,
  );
  assert.equal(reporter.lines.at(-1), "✗ broken: helm exited with 1:");
  assert.equal(after.ran(), false, "nothing runs after a failure");
});

Deno.test("steps: a dry run returns each plan with its argv arrays and runs nothing", async () => {
  const reporter = recordingReporter();
  const steps = [step("one", true), step("two", true)];
  const records = await runSteps(steps, reporter, true);
  assert.deepEqual(records, [
    { step: "one", status: "planned", detail: "would one", commands: [["tool", "one"]] },
    { step: "two", status: "planned", detail: "would two", commands: [["tool", "two"]] },
  ]);
  assert.ok(steps.every((s) => !s.ran()));
  assert.deepEqual(reporter.lines, []);
});

Deno.test("steps: work inside a step reports as indented progress, not as steps of its own", () => {
  const reporter = recordingReporter();
  withinStep(reporter).step("ok", "Deployment staging/silly-demo created");
  assert.deepEqual(reporter.lines, ["  ✓ Deployment staging/silly-demo created"]);
});

Deno.test("steps: a 429 from a busy API server runs the (idempotent) step again", async () => {
  const reporter = recordingReporter();
  let calls = 0;
  const busy = new PlatformError("list ExternalSecret failed: storage is (re)initializing", {
    status: 429,
    reason: "throttled",
  });
  const records = await runSteps(
    [{
      name: "staging-app",
      plan: () => ({ detail: "" }),
      run: () =>
        ++calls < 2 ? Promise.reject(busy) : Promise.resolve({ changed: true, detail: "ok" }),
    }],
    reporter,
    false,
  );
  assert.equal(calls, 2);
  assert.equal(records[0].status, "done");
  assert.match(reporter.lines[0], /staging-app: the API server is busy .*; again in 1 s/);
});
