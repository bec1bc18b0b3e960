/**
 * `./denow task install`, `platform shell-init` and the completion scripts
 * in real shells: bash, zsh, fish and nu (.ci/run installs zsh and fish from
 * Debian; nu, which Debian lacks, comes from the npm package pinned in
 * tools/nushell and is installed on first use; tmux drives interactive
 * sessions). A missing shell fails the test with a message saying how to
 * install it: nothing here is skipped. No cluster is needed: cluster values
 * come from a kubeconfig's contexts.
 */
import assert from "node:assert/strict";

const REPO = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const decoder = new TextDecoder();

/** Fails with an install hint when `tool` is missing. */
async function requireTool(tool: string): Promise<void> {
  try {
    await new Deno.Command(tool, { args: ["--version"], stdout: "null", stderr: "null" }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `${tool} is not installed; this test runs it for real: apt-get install -y ${tool} ` +
          "(.ci/run does this)",
      );
    }
    throw error;
  }
}

/**
 * nu: the one on PATH, else the npm package pinned in tools/nushell,
 * installed there on first use as ./denow installs Deno.
 */
async function nushell(): Promise<string> {
  const found = await new Deno.Command("sh", { args: ["-c", "command -v nu"], stdout: "piped" })
    .output();
  if (found.success) return decoder.decode(found.stdout).trim();
  const tool = `${REPO}/tools/nushell`;
  const bin = `${tool}/node_modules/.bin/nu`;
  if (!(await Deno.stat(bin).then(() => true, () => false))) {
    const installed = await new Deno.Command("npm", {
      args: ["install", "--no-audit", "--no-fund", "--no-save", "--loglevel=error"],
      cwd: tool,
      stdout: "null",
      stderr: "piped",
    }).output().catch((error) => {
      throw new Error(`nu is not installed and npm is not there to install it: ${error.message}`);
    });
    if (!installed.success) {
      throw new Error(
        `nu is not installed and npm install in tools/nushell failed: ${
          decoder.decode(installed.stderr)
        }`,
      );
    }
  }
  return bin;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const output = await new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    signal: AbortSignal.timeout(60_000),
  }).output();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** One installed platform for the whole file, as the README says: ./denow task install. */
const installDir = await Deno.makeTempDir({ prefix: "platform-bin-" });
const installed = await run(`${REPO}/denow`, ["task", "install"], {
  cwd: REPO,
  env: { PLATFORM_INSTALL_DIR: installDir },
});
const PATH = `${installDir}:${Deno.env.get("PATH")}`;

/** A project in a git repository with a .env, and a kubeconfig with two contexts. */
async function project(): Promise<{ root: string; sub: string; kubeconfig: string }> {
  const root = await Deno.makeTempDir({ prefix: "platform-shell-" });
  await Deno.mkdir(`${root}/.git`);
  await Deno.mkdir(`${root}/src/api`, { recursive: true });
  const kubeconfig = `${root}/kubeconfig.yaml`;
  await Deno.writeTextFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:2" } }],
      users: [{ name: "u", user: { token: "t" } }],
      contexts: ["dev-eu", "prod-us"].map((name) => ({
        name,
        context: { cluster: "c", user: "u" },
      })),
      "current-context": "dev-eu",
    }),
  );
  await Deno.writeTextFile(
    `${root}/.env`,
    [
      "export KUBECONFIG=kubeconfig.yaml",
      "export INGRESS_HOST=127.0.0.1.nip.io",
      `export GREETING="it's a 'test' \\$HOME"`,
      "",
    ].join("\n"),
  );
  await Deno.writeTextFile(`${root}/src/api/k8s-one.yaml`, "");
  await Deno.writeTextFile(`${root}/src/api/k8s-two.yaml`, "");
  return { root, sub: `${root}/src/api`, kubeconfig };
}

const shellEnv = (extra: Record<string, string> = {}) => ({
  PATH,
  HOME: Deno.env.get("HOME") ?? "/root",
  TERM: "xterm",
  ...extra,
});

Deno.test("./denow task install puts a platform on PATH that runs from any directory", async () => {
  assert.equal(installed.code, 0, installed.stderr);
  assert.match(installed.stderr, new RegExp(`✓ ${installDir}/platform \\(platform 0\\.1\\.0\\)`));
  const { sub, kubeconfig } = await project();
  const version = await run("platform", ["version"], { cwd: "/", env: shellEnv() });
  assert.equal(version.code, 0, version.stderr);
  assert.equal(JSON.parse(version.stdout).platform, "0.1.0");
  const contexts = await run("platform", ["__complete", "contexts", "--kubeconfig", kubeconfig], {
    cwd: sub,
    env: shellEnv(),
  });
  assert.equal(contexts.stdout, "dev-eu\nprod-us\n");
  // A TAB in bash, from another directory, with the script the installed platform prints.
  const bash = await run("bash", [
    "-c",
    'source <(platform completions bash); COMP_WORDS=(platform li); COMP_CWORD=1; _platform; echo "${COMPREPLY[*]}"',
  ], { cwd: sub, env: shellEnv() });
  assert.equal(bash.stdout, "list\n", bash.stderr);
});

Deno.test("shell-init bash: .env exports from a subdirectory, completions answered by the script", async () => {
  const { root, sub } = await project();
  const script = [
    'eval "$(platform shell-init bash)"',
    'printf "%s|%s|%s\\n" "$KUBECONFIG" "$INGRESS_HOST" "$GREETING"',
    'complete() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _platform; echo "${COMPREPLY[*]}"; }',
    "complete platform ''",
    "complete platform completions ''",
    "complete platform apply dev alice --dr",
    "complete platform -o j",
    "complete platform list dev -oy",
    "complete platform list dev --context ''",
    "complete platform apply dev alice --kubeconfig k8s-",
    "complete platform apply dev alice --template ''",
  ].join("\n");
  const result = await run("bash", ["-c", script], { cwd: sub, env: shellEnv() });
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split("\n");
  assert.equal(lines[0], `${root}/kubeconfig.yaml|127.0.0.1.nip.io|it's a 'test' $HOME`);
  assert.match(lines[1], /^setup destroy apply .*completions help$/);
  assert.equal(lines[2], "bash zsh fish nu");
  assert.equal(lines[3], "--dry-run --driver");
  assert.equal(lines[4], "json");
  assert.equal(lines[5], "-oyaml");
  assert.equal(lines[6], "dev-eu prod-us", "contexts of the KUBECONFIG .env names");
  assert.equal(lines[7], "k8s-one.yaml k8s-two.yaml");
  assert.equal(lines[8], "auto manifests claim k8s-one.yaml k8s-two.yaml");
  // The same hook under a POSIX sh (a devbox init_hook may run there): exports, no errors.
  const sh = await run("sh", ["-c", 'eval "$(platform shell-init bash)"; echo "$INGRESS_HOST"'], {
    cwd: sub,
    env: shellEnv(),
  });
  assert.deepEqual([sh.code, sh.stdout, sh.stderr], [0, "127.0.0.1.nip.io\n", ""]);
});

Deno.test("shell-init puts platform's directory on PATH only when it is missing there", async () => {
  const { sub } = await project();
  const bin = `${installDir}/platform`;
  const missing = await run(bin, ["shell-init", "bash"], {
    cwd: sub,
    env: { PATH: "/usr/bin:/bin", HOME: Deno.env.get("HOME") ?? "/root" },
  });
  assert.match(missing.stdout, new RegExp(`^export PATH='${installDir}':"\\$PATH"$`, "m"));
  const present = await run(bin, ["shell-init", "fish"], { cwd: sub, env: shellEnv() });
  assert.ok(!/^set -gx PATH /m.test(present.stdout), present.stdout);
});

Deno.test("shell-init fish: exports and completions in a real fish", async () => {
  await requireTool("fish");
  const { sub } = await project();
  const script = [
    "platform shell-init fish | source",
    'echo "$INGRESS_HOST|$GREETING"',
    'complete -C "platform comp"',
    'complete -C "platform apply dev alice --dr"',
    'complete -C "platform list dev --output=y"',
    'complete -C "platform list dev --context "',
    'complete -C "platform completions "',
  ].join("\n");
  const result = await run("fish", ["--no-config", "-c", script], { cwd: sub, env: shellEnv() });
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split("\n").map((line) => line.split("\t")[0]);
  assert.deepEqual(lines, [
    "127.0.0.1.nip.io|it's a 'test' $HOME",
    "completions",
    "--driver",
    "--dry-run",
    "--output=yaml",
    "dev-eu",
    "prod-us",
    "bash",
    "fish",
    "nu",
    "zsh",
  ]);
});

Deno.test("shell-init nu: exports and the completer in a real nu", async () => {
  const nu = await nushell();
  const { root, sub } = await project();
  const init = await run("platform", ["shell-init", "nu"], { cwd: sub, env: shellEnv() });
  assert.equal(init.code, 0, init.stderr);
  const script = `${root}/platform.nu`;
  await Deno.writeTextFile(script, init.stdout);
  // Each line: the completions nu's external completer gets for those spans, values only.
  const complete = (spans: string[]) =>
    `platform-complete [${
      spans.map((span) => JSON.stringify(span)).join(" ")
    }] | each {|c| if ($c | describe | str starts-with "record") { $c.value } else { $c } } | str join " "`;
  const program = [
    `source ${JSON.stringify(script)}`,
    "[",
    `  $"($env.INGRESS_HOST)|($env.GREETING)"`,
    `  (${complete(["platform", "comp"])})`,
    `  (${complete(["platform", "completions", ""])})`,
    `  (${complete(["platform", "apply", "dev", "alice", "--dr"])})`,
    `  (${complete(["platform", "-o", "j"])})`,
    `  (${complete(["platform", "list", "dev", "--output=y"])})`,
    `  (${complete(["platform", "list", "dev", "--context", ""])})`,
    `  (${complete(["platform", "apply", "dev", "alice", "--kubeconfig", "k8s-"])})`,
    "] | str join (char nl)",
  ].join("\n");
  const result = await run(nu, ["--no-config-file", "-c", program], { cwd: sub, env: shellEnv() });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(result.stdout.trim().split("\n"), [
    "127.0.0.1.nip.io|it's a 'test' $HOME",
    "completions",
    "bash zsh fish nu",
    "--dry-run --driver",
    "json",
    "--output=yaml",
    "dev-eu prod-us",
    "k8s-one.yaml k8s-two.yaml",
  ]);
});

Deno.test("nu: a real TAB in an interactive nu whose config sources the shell-init script", async () => {
  const nu = await nushell();
  const { root, sub } = await project();
  const init = await run("platform", ["shell-init", "nu"], { cwd: sub, env: shellEnv() });
  await Deno.writeTextFile(`${root}/platform.nu`, init.stdout);
  await Deno.writeTextFile(
    `${root}/config.nu`,
    [
      `source ${JSON.stringify(`${root}/platform.nu`)}`,
      '$env.PROMPT_COMMAND = {|| "nu" }',
      '$env.PROMPT_COMMAND_RIGHT = {|| "" }',
      '$env.PROMPT_INDICATOR = {|| "> " }',
      "$env.config.show_banner = false",
      "",
    ].join("\n"),
  );
  await Deno.writeTextFile(`${root}/env.nu`, "");
  const session = await tmuxSession(
    [nu, "--config", `${root}/config.nu`, "--env-config", `${root}/env.nu`],
    sub,
    shellEnv(),
  );
  try {
    await session.waitFor(/^nu>$/m, "the nu prompt");
    await session.type("platform apply dev alice --dry-", "Tab");
    await session.waitFor(/platform apply dev alice --dry-run$/m, "nu: --dry-run");
    await session.clear();
    await session.type("platform list dev --context prod", "Tab");
    await session.waitFor(/--context prod-us$/m, "nu: a context from the kubeconfig");
    await session.clear();
    await session.type("platform -o js", "Tab");
    await session.waitFor(/platform -o json$/m, "nu: a fixed value");
  } finally {
    await session.close();
  }
});

/** Starts `command` in a detached tmux session; types, TABs and reads the screen. */
async function tmuxSession(command: string[], cwd: string, env: Record<string, string>) {
  await requireTool("tmux");
  const name = `platform-test-${crypto.randomUUID().slice(0, 8)}`;
  const started = await run("tmux", [
    "new-session",
    "-d",
    "-s",
    name,
    "-x",
    "200",
    "-y",
    "50",
    "-c",
    cwd,
    // Through env(1): tmux gives a new session the client's PATH whatever -e says.
    "env",
    ...Object.entries(env).map(([key, value]) => `${key}=${value}`),
    ...command,
  ]);
  assert.equal(started.code, 0, started.stderr);
  const screen = async () => (await run("tmux", ["capture-pane", "-p", "-t", name])).stdout;
  return {
    async type(text: string, ...keys: string[]) {
      await run("tmux", ["send-keys", "-t", name, "-l", text]);
      for (const key of keys) await run("tmux", ["send-keys", "-t", name, key]);
    },
    async waitFor(pattern: RegExp, what: string): Promise<string> {
      const deadline = Date.now() + 15_000;
      let last = "";
      while (Date.now() < deadline) {
        last = await screen();
        if (pattern.test(last)) return last;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`tmux: ${what} did not show up; the screen was:\n${last}`);
    },
    clear: () => run("tmux", ["send-keys", "-t", name, "C-u"]),
    close: () => run("tmux", ["kill-session", "-t", name]),
  };
}

Deno.test("zsh and bash: a real TAB in an interactive shell set up by shell-init", async () => {
  await requireTool("zsh");
  const { sub } = await project();
  const home = await Deno.makeTempDir({ prefix: "platform-home-" });
  await Deno.writeTextFile(`${home}/.zshrc`, `PS1='zsh> '\neval "$(platform shell-init zsh)"\n`);
  await Deno.writeTextFile(`${home}/.bashrc`, `PS1='bash> '\neval "$(platform shell-init bash)"\n`);
  const env = shellEnv({ HOME: home, ZDOTDIR: home });
  for (
    const [shell, command] of [
      ["zsh", ["zsh", "-i"]],
      ["bash", ["bash", "--rcfile", `${home}/.bashrc`, "-i"]],
    ] as const
  ) {
    const session = await tmuxSession([...command], sub, env);
    try {
      // capture-pane drops trailing blanks, so lines are matched up to their end.
      await session.waitFor(new RegExp(`^${shell}>$`, "m"), `the ${shell} prompt`);
      await session.type("platform apply dev alice --dry-", "Tab");
      await session.waitFor(/platform apply dev alice --dry-run$/m, `${shell}: --dry-run`);
      await session.clear();
      await session.type("platform list dev --context prod", "Tab");
      await session.waitFor(/--context prod-us$/m, `${shell}: a context from the kubeconfig`);
      await session.clear();
      await session.type("platform -o js", "Tab");
      await session.waitFor(/platform -o json$/m, `${shell}: a fixed value`);
      await session.clear();
      await session.type("platform list dev --kubeconfig k8s-t", "Tab");
      await session.waitFor(/--kubeconfig k8s-two\.yaml$/m, `${shell}: a file name`);
    } finally {
      await session.close();
    }
  }
});
