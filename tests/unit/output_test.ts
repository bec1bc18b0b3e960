import assert from "node:assert/strict";
import { render } from "../../mod.ts";
import { cell, table, terminalSafe, verticalRecord } from "../../lib/output.ts";

const ESC = "\u001b";

Deno.test("terminal control sequences from the cluster are stripped: CSI, OSC, DCS and lone escapes", () => {
  assert.equal(terminalSafe(`${ESC}[31mred${ESC}[0m`), "red");
  assert.equal(terminalSafe(`${ESC}[2J${ESC}[1;1Hcleared`), "cleared");
  assert.equal(terminalSafe(`a${ESC}[?25lb`), "ab", "private-mode CSI");
  // OSC 8 hyperlink (ST-terminated) and a window title (BEL-terminated).
  assert.equal(
    terminalSafe(`${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`),
    "click",
  );
  assert.equal(terminalSafe(`${ESC}]0;owned\u0007title`), "title");
  assert.equal(
    terminalSafe(`x${ESC}]52;c;Y2xpcGJvYXJk`),
    "x",
    "an unterminated OSC runs to the end",
  );
  assert.equal(terminalSafe(`${ESC}P+q544e${ESC}\\dcs`), "dcs");
  assert.equal(terminalSafe(`${ESC}7saved${ESC}8`), "saved", "two-byte escapes");
  assert.equal(terminalSafe(`${ESC}(Bcharset`), "charset", "escapes with an intermediate byte");
  assert.equal(terminalSafe(`end${ESC}`), "end");
});

Deno.test("C1 sequences and C0/C1 controls are stripped; tab and printable Unicode stay", () => {
  assert.equal(terminalSafe("\u009b31mred\u009b0m"), "red", "8-bit CSI");
  assert.equal(terminalSafe("\u009d0;title\u009cok"), "ok", "8-bit OSC and ST");
  assert.equal(terminalSafe("a\u0000b\u0007c\u0008d\u007fe\u008dg"), "abcdeg");
  assert.equal(terminalSafe("next\u0085line"), "next line", "NEL is a line break");
  assert.equal(terminalSafe("tab\there"), "tab\there");
  assert.equal(terminalSafe("ünïcödé ✓ 日本"), "ünïcödé ✓ 日本");
});

Deno.test("line breaks in a cell become spaces so a row stays one line", () => {
  assert.equal(terminalSafe("first\nsecond\r\nthird\rfourth"), "first second third fourth");
  assert.equal(cell({ [`k${ESC}[1m`]: `v\n${ESC}[31mred` }), "k=v red");
  assert.equal(cell([`a${ESC}[0m`, "b\u0007"]), "a,b");
});

Deno.test("a table of events with hostile messages prints aligned, without escapes", () => {
  const text = table([
    { reason: "Pulled", message: `${ESC}[2J${ESC}]0;pwned\u0007image pulled\nfake row` },
    { reason: `Bad${ESC}[8m`, message: "ok" },
  ]);
  assert.ok(!text.includes(ESC), "no ESC left");
  // deno-lint-ignore no-control-regex
  assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(text), "no control left");
  const lines = text.trimEnd().split("\n");
  assert.equal(lines.length, 3, "a header and one line per record");
  assert.equal(lines[1], "Pulled   image pulled fake row");
  assert.equal(lines[2], "Bad      ok");
});

Deno.test("a record view strips escapes from values, multi-line values and keys", () => {
  const text = verticalRecord({
    holder: `alice${ESC}]0;x\u0007`,
    note: `line one${ESC}[31m\nline two\u0007`,
    [`key${ESC}[1m`]: "v",
  });
  assert.ok(!text.includes(ESC));
  assert.match(text, /^holder: +alice$/m);
  assert.match(text, /^ {2}line one$/m);
  assert.match(text, /^ {2}line two$/m);
  assert.match(text, /^key: +v$/m);
});

Deno.test("JSON output keeps the value as it is (escaped by JSON itself)", async () => {
  const json = await render({ kind: "table", records: [{ message: `${ESC}[31mred` }] }, "json");
  assert.equal(JSON.parse(json)[0].message, `${ESC}[31mred`);
  assert.ok(!json.includes(ESC), "JSON escapes the control character");
});
