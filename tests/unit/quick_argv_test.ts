/**
 * The quick reader (commands/quick_argv.ts) against the parser: on every
 * line it reads, it must give what the parser gives; the lines it leaves
 * to the parser are the parser's to explain. Lines are made from the
 * reader's own table, in every spelling of every option, with valid and
 * invalid values, so a table that drifts from the parser fails here.
 */
import assert from "node:assert/strict";
import { commandShape, type Exit, parseCommandLine, type Parsed } from "../../commands/cli.ts";
import { QUICK_VERBS, type QuickOption, readQuickly } from "../../commands/quick_argv.ts";
import { resolveCommand } from "../../lib/completion/tree.ts";

/** A valid value, and values the parser refuses or might read otherwise, for each metavar. */
const SAMPLES: Record<string, { valid: string[]; invalid: string[] }> = {
  FORMAT: { valid: ["json", "yaml", "name", "wide"], invalid: ["xml", "JSON", ""] },
  FILE: { valid: ["/tmp/my kube/config.yaml", "ü.yaml"], invalid: ["", "-f"] },
  CONTEXT: { valid: ["kind-platform", "arn:aws:eks:eu-west-1:1:cluster/x"], invalid: [""] },
  NAME: { valid: ["silly-demo"], invalid: ["", "--x"] },
  NAMESPACE: { valid: ["team-a"], invalid: ["", "-A"] },
  "NAME|FILE": { valid: ["app", "claims/my claim.yaml"], invalid: [""] },
  IMAGE: { valid: ["ghcr.io/acme/app", "localhost:5000/app"], invalid: ["Bad Image", "a:b:c"] },
  TAG: { valid: ["v1.2.3", "latest"], invalid: ["bad tag", ".x"] },
  PORT: { valid: ["8080", "1", "65535"], invalid: ["0", "65536", "08080", "80.0", "0x50", " 80"] },
  HOST: { valid: ["127.0.0.1.nip.io", "apps.example.com"], invalid: ["Bad_Host", "-x.io"] },
  INGRESS_CLASS: { valid: ["nginx", "traefik"], invalid: [""] },
  DURATION: { valid: ["90", "90s", "5m", "1h"], invalid: ["5x", "-1", "0"] },
  USER: { valid: ["alice"], invalid: [""] },
  SELECTOR: { valid: ["platform.dev/app=silly-demo", "a!=b"], invalid: [""] },
  SECRET: { valid: ["silly-demo-db"], invalid: [""] },
};

const ARGUMENTS: Record<string, string[]> = {
  USER: ["alice", "Ünïcode", "name with spaces", "UPPER"],
  TYPE: ["deployment", "appclaims"],
  NAME: ["silly-demo"],
};

const silent = { stdout() {}, stderr() {}, isTerminal: false, env: {}, cwd: "/" };
const parserReads = (argv: string[]): Parsed | Exit => parseCommandLine(argv, silent);

/** Spellings of `option` with `value`: `--name value`, `--name=value`, `-xvalue`, `-x=value`. */
function spellings(option: QuickOption, value: string): string[][] {
  if (!option.read) return option.names.map((name) => [name]);
  return option.names.flatMap((name) =>
    name.startsWith("--")
      ? [[name, value], [`${name}=${value}`]]
      : [[name, value], [`${name}${value}`], [`${name}=${value}`]]
  );
}

function linesOf(verb: typeof QUICK_VERBS[number]): { line: string[]; valid: boolean }[] {
  const args = verb.args.map((arg) => ARGUMENTS[arg.metavar][0]);
  const base = [...verb.words, ...args];
  const lines: { line: string[]; valid: boolean }[] = [{ line: base, valid: true }];
  for (const arg of verb.args) {
    for (const value of ARGUMENTS[arg.metavar]) {
      lines.push({
        line: [...verb.words, ...verb.args.map((a) => a === arg ? value : ARGUMENTS[a.metavar][0])],
        valid: true,
      });
    }
  }
  for (const option of verb.options) {
    const samples = option.metavar ? SAMPLES[option.metavar] : { valid: [""], invalid: [] };
    assert.ok(samples, `no samples for ${option.metavar}`);
    for (const value of samples.valid) {
      for (const spelled of spellings(option, value)) {
        lines.push({ line: [...base, ...spelled], valid: true });
        // Options between the verb and its arguments, and twice (which the parser refuses).
        lines.push({ line: [...verb.words, ...spelled, ...args], valid: true });
        lines.push({ line: [...base, ...spelled, ...spelled], valid: false });
      }
    }
    for (const value of samples.invalid) {
      for (const spelled of spellings(option, value)) {
        lines.push({ line: [...base, ...spelled], valid: false });
      }
    }
    if (option.read) lines.push({ line: [...base, option.names[0]], valid: false });
    else lines.push({ line: [...base, `${option.names.at(-1)}=yes`], valid: false });
  }
  // Every option at once, after the verb and before it (which the parser moves, the reader leaves).
  const all = verb.options.flatMap((option) =>
    spellings(option, option.metavar ? SAMPLES[option.metavar].valid[0] : "")[0]
  );
  lines.push({ line: [...base, ...all], valid: true });
  lines.push({ line: [...all, ...verb.words, ...args], valid: false });
  lines.push(
    { line: [...base, "extra"], valid: false },
    { line: [...base, "--help"], valid: false },
    { line: [...base, "-h"], valid: false },
    { line: [...base, "--bogus"], valid: false },
    { line: [...base, "--"], valid: false },
    { line: [...base, "-"], valid: false },
    { line: [...base, "--driver", "okteto"], valid: false },
  );
  if (verb.args.length) lines.push({ line: [...verb.words], valid: false });
  return lines;
}

Deno.test("the quick reader gives what the parser gives, on every line it reads", () => {
  let read = 0;
  for (const verb of QUICK_VERBS) {
    for (const { line, valid } of linesOf(verb)) {
      const quick = readQuickly(line);
      if (valid) assert.ok(quick, `the quick reader should read: ${JSON.stringify(line)}`);
      if (!quick) continue;
      read++;
      assert.deepEqual(quick, parserReads(line), `for ${JSON.stringify(line)}`);
    }
  }
  assert.ok(read > 500, `only ${read} lines read quickly`);
});

Deno.test("what the quick reader refuses, the parser explains or reads as the same verb", () => {
  for (const verb of QUICK_VERBS) {
    for (const { line, valid } of linesOf(verb)) {
      if (valid || readQuickly(line)) continue;
      const parsed = parserReads(line);
      if ("exit" in parsed) continue;
      assert.equal(parsed.verb, verb.verb, `${JSON.stringify(line)} read as ${parsed.verb}`);
    }
  }
  assert.equal(readQuickly([]), undefined);
  assert.equal(readQuickly(["status"]), undefined);
  assert.equal(readQuickly(["-o", "json", "status", "dev", "alice"]), undefined);
  assert.equal(readQuickly(["setup", "local"]), undefined);
});

Deno.test("the quick reader's table names the parser's options and arguments", () => {
  const root = commandShape();
  for (const verb of QUICK_VERBS) {
    const { node, unknown } = resolveCommand(root, [...verb.words]);
    assert.equal(unknown, undefined, verb.words.join(" "));
    assert.deepEqual(node.args.map((arg) => arg.metavar), verb.args.map((arg) => arg.metavar));
    const parserOptions = node.options.filter((option) => !option.names.includes("--help"));
    for (const option of verb.options) {
      const same = parserOptions.find((candidate) => candidate.names[0] === option.names[0]);
      assert.ok(same, `${verb.words.join(" ")}: the parser has no ${option.names[0]}`);
      assert.deepEqual(same.names, [...option.names]);
      assert.equal(same.metavar, option.metavar, `${option.names[0]}'s metavar`);
    }
    // What the reader leaves out on purpose; a new option of the parser shows up here.
    const left = parserOptions
      .filter((option) => !verb.options.some((mine) => mine.names[0] === option.names[0]))
      .map((option) => option.names[0]);
    assert.deepEqual(left, verb.verb === "apply-dev" ? ["--driver"] : [], verb.words.join(" "));
  }
});
