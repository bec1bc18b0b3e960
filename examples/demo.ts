/**
 * The README's first command, `./denow task demo [user] [--no-session]`:
 * exactly what a new user runs on the local default, as child processes of
 * the real CLI —
 *
 *   platform setup --users <user>          (kwok: builds its binaries on first use)
 *   source .env
 *   cd examples/silly-demo && platform apply dev <user> --session
 *
 * — and then it shows the forwarded URL answering. Ctrl-C ends the session
 * and restores the environment; `--no-session` stops after the apply. A
 * second run reuses everything.
 *
 * Chart repositories are not reachable from our machines, so unless
 * PLATFORM_CHARTS_DIR is set the components come from the stand-in charts
 * of tests/fixtures/charts (set it to an empty value to use the real ones).
 */
import { parseDotenv } from "../lib/dotenv.ts";
import { LAUNCH_FLAGS } from "../lib/launch_flags.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const app = `${root}/examples/silly-demo`;
const args = Deno.args.filter((arg) => !arg.startsWith("--"));
const session = !Deno.args.includes("--no-session");
const user = args[0] ?? "alice";

const env: Record<string, string> = { ...Deno.env.toObject() };
if (env.PLATFORM_CHARTS_DIR === undefined) {
  env.PLATFORM_CHARTS_DIR = `${root}/tests/fixtures/charts`;
  console.error(`demo: components from the stand-in charts in tests/fixtures/charts`);
} else if (env.PLATFORM_CHARTS_DIR === "") {
  delete env.PLATFORM_CHARTS_DIR;
}

const platform = (argv: string[]) => [
  Deno.execPath(),
  "run",
  ...LAUNCH_FLAGS,
  `${root}/platform.ts`,
  ...argv,
];

function spawn(argv: string[], cwd: string, stderr: "inherit" | "piped"): Deno.ChildProcess {
  return new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "inherit",
    stderr,
    // A process group of its own: a signal reaches it once, from here, however it was sent
    // (a terminal's Ctrl-C goes to the whole group, and a second one means "leave now").
    detached: true,
  }).spawn();
}

let current: Deno.ChildProcess | undefined;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  Deno.addSignalListener(signal, () => {
    try {
      current?.kill(signal);
    } catch {
      // it has exited
    }
  });
}

async function step(argv: string[], cwd: string): Promise<void> {
  console.error(
    `\n$ ${argv.slice(4).join(" ")}${cwd === root ? "" : `   (in ${cwd.slice(root.length + 1)})`}`,
  );
  current = spawn(argv, cwd, "inherit");
  const { code } = await current.status;
  if (code !== 0) Deno.exit(code);
}

/** Polls the forwarded URL until it answers (30 s, as long as a person would wait). */
async function showAnswer(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      const body = (await response.text()).trim();
      console.error(`\n✓ ${url} answers (${response.status}): ${body}`);
      console.error(
        `  edit examples/silly-demo/message.js and curl ${url} again; Ctrl-C ends the session`,
      );
      return;
    } catch (error) {
      last = (error as Error).message;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  console.error(`✗ ${url} did not answer within 30 s: ${last}`);
}

await step(platform(["setup", "--users", user]), root);
Object.assign(env, parseDotenv(await Deno.readTextFile(`${root}/.env`)));
console.error(`\n$ source .env   # KUBECONFIG=${env.KUBECONFIG}`);

const apply = platform(["apply", "dev", user, session ? "--session" : "--no-session"]);
console.error(`\n$ cd examples/silly-demo && ${apply.slice(4).join(" ")}`);
current = spawn(apply, app, "piped");
let shown = false;
const decoder = new TextDecoderStream();
current.stderr.pipeTo(decoder.writable).catch(() => {});
const watchLines = (async () => {
  let pending = "";
  for await (const chunk of decoder.readable) {
    await Deno.stderr.write(new TextEncoder().encode(chunk));
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const forward = line.match(/forwarding (127\.0\.0\.1:\d+)/);
      if (forward && !shown) {
        shown = true;
        void showAnswer(`http://${forward[1]}/`);
      }
    }
  }
})();
const { code } = await current.status;
await watchLines;
Deno.exit(code);
