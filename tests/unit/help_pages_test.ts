import assert from "node:assert/strict";
import { HELP_PAGES_URL, helpPageKey, preRenderedHelp } from "../../commands/help_page.ts";
import {
  commandPaths,
  helpPagesText,
  parserOutput,
  renderHelpPages,
} from "../../scripts/help_pages.ts";
import { runCli } from "../helpers/cli.ts";

Deno.test("commands/help_pages.json is what the parser renders now", async () => {
  const file = await Deno.readTextFile(HELP_PAGES_URL);
  assert.ok(
    file === helpPagesText(renderHelpPages()),
    "commands/help_pages.json is out of date: run ./denow task help:pages",
  );
});

Deno.test("every way of asking for a page prints the parser's page, without the parser", async () => {
  const forms = (path: string[]) => [
    [...path, "--help"],
    [...path, "-h"],
    ["help", ...path],
    ...(path.length ? [] : [[]]),
  ];
  let served = 0;
  for (const path of commandPaths()) {
    for (const argv of forms(path)) {
      const expected = parserOutput(argv);
      assert.equal(expected.exit, 0, `platform ${argv.join(" ")}`);
      assert.ok(preRenderedHelp(argv), `platform ${argv.join(" ")} should be served pre-rendered`);
      const got = await runCli(argv);
      assert.deepEqual(
        { code: got.code, stdout: got.stdout, stderr: got.stderr },
        { code: 0, stdout: expected.stdout, stderr: "" },
        `platform ${argv.join(" ")}`,
      );
      served++;
    }
  }
  assert.ok(served > 60, `only ${served} lines`);
});

Deno.test("a line that says more than which page goes to the parser", async () => {
  const lines = [
    ["status", "dev", "alice", "--help"],
    ["apply", "dev", "--db", "x", "--help"],
    ["apply", "dev", "--help", "--db"],
    ["--help", "apply"],
    ["-o", "json", "--help"],
    ["help", "--help", "apply"],
    ["apply", "Dev", "--help"],
    ["apply", "dev", "--", "--help"],
    ["lst", "--help"],
  ];
  for (const argv of lines) {
    assert.equal(preRenderedHelp(argv), undefined, `platform ${argv.join(" ")}`);
    // Whatever the parser makes of it is what the user gets.
    const expected = parserOutput(argv);
    const got = await runCli(argv);
    assert.equal(got.stdout, expected.stdout, `platform ${argv.join(" ")}`);
    if (expected.exit !== -1) assert.equal(got.code, expected.exit, `platform ${argv.join(" ")}`);
  }
  assert.equal(helpPageKey(["status", "dev", "alice", "--help"]), "status dev alice");
  assert.equal(helpPageKey(["get", "resource-types", "-h"]), "get resource-types");
  assert.equal(helpPageKey(["apply", "dev", "--db=x", "--help"]), undefined);
});
