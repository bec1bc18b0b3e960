/**
 * `./denow task install`: puts a `platform` executable on PATH, in
 * ~/.local/bin or $PLATFORM_INSTALL_DIR. It is a small sh script that runs
 * this checkout's platform.ts with the pinned Deno (tools/deno) and this
 * repository's deno.json, so it works from any directory, offline, with the
 * npm packages of deno.lock. `--uninstall` removes it again.
 *
 * Usage: deno run -A scripts/install.ts [--uninstall]
 *
 * @module
 */
import { posixQuote } from "../lib/completion/scripts.ts";
import { LAUNCH_FLAGS } from "../lib/launch_flags.ts";

/** The checkout this script belongs to. */
export const REPO_ROOT: string = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** What the shim needs to know. */
export interface ShimOptions {
  /** The repository checkout. */
  root: string;
  /** The pinned Deno binary. */
  deno: string;
  /** Where the shim itself is installed (exported as PLATFORM_BIN for shell-init). */
  path: string;
}

/** The text of the `platform` shim (pure). */
export function shimText(options: ShimOptions): string {
  const root = posixQuote(options.root);
  const flags = LAUNCH_FLAGS.map(posixQuote).join(" ");
  return `#!/bin/sh
# platform: installed by \`./denow task install\` from ${options.root}.
# It runs that checkout with its pinned Deno; after moving the checkout, install again.
root=${root}
deno=${posixQuote(options.deno)}
export PLATFORM_BIN=${posixQuote(options.path)} DENO_NO_UPDATE_CHECK=1
if [ ! -x "$deno" ]; then
  # The pinned Deno went away (tools/deno reinstalled): ./denow fetches it again.
  deno="$root/denow"
fi
if [ "$1" = __complete ]; then
  shift
  exec "$deno" run ${flags} --config "$root/deno.json" "$root/complete.ts" "$@"
fi
exec "$deno" run ${flags} --config "$root/deno.json" "$root/platform.ts" "$@"
`;
}

/** Options of {@link install}. */
export interface InstallOptions {
  env: Record<string, string | undefined>;
  root?: string;
  deno?: string;
  uninstall?: boolean;
  log?: (line: string) => void;
}

/** Installs (or removes) the shim; returns its path. */
export async function install(options: InstallOptions): Promise<string> {
  const { env } = options;
  const log = options.log ?? ((line: string) => console.error(line));
  const root = options.root ?? REPO_ROOT;
  const dir = env.PLATFORM_INSTALL_DIR || `${env.HOME ?? ""}/.local/bin`;
  const path = `${dir.replace(/\/+$/, "")}/platform`;
  if (options.uninstall) {
    await Deno.remove(path).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    log(`✓ removed ${path}`);
    return path;
  }
  // The Deno running this task is the pinned one when started through ./denow.
  const running = options.deno ?? Deno.execPath();
  const deno = running.startsWith(`${root}/tools/deno/`) ? running : `${root}/denow`;
  // Fetch the npm packages of deno.lock now, not on the first TAB: every import of deno.json
  // (the graph alone misses packages loaded lazily, lib/lazy.ts), then the entry points' graphs.
  for (
    const args of [
      ["install", "--frozen"],
      ["cache", "--config", `${root}/deno.json`, `${root}/platform.ts`, `${root}/complete.ts`],
    ]
  ) {
    const step = await new Deno.Command(deno, {
      args,
      cwd: root,
      env: { DENO_NO_UPDATE_CHECK: "1" },
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!step.success) throw new Error(`deno ${args[0]} failed; the error is above`);
  }

  await Deno.mkdir(dir, { recursive: true });
  const temporary = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  await Deno.writeTextFile(temporary, shimText({ root, deno, path }), { mode: 0o755 });
  await Deno.chmod(temporary, 0o755);
  await Deno.rename(temporary, path);

  const check = await new Deno.Command(path, {
    args: ["--version"],
    cwd: "/",
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!check.success) throw new Error(`${path} --version failed; the error is above`);
  const version = new TextDecoder().decode(check.stdout).trim();
  log(`✓ ${path} (platform ${version}) runs ${root} with ${deno}`);
  const onPath = (env.PATH ?? "").split(":").includes(dir.replace(/\/+$/, ""));
  if (!onPath) {
    log(`  ${dir} is not on PATH; add it, e.g. in ~/.bashrc or ~/.zshrc:`);
    log(`    export PATH=${posixQuote(dir)}:"$PATH"`);
  }
  log(
    `  completions and .env exports in a shell or devbox init_hook: eval "$(platform shell-init)"`,
  );
  return path;
}

if (import.meta.main) {
  try {
    await install({ env: Deno.env.toObject(), uninstall: Deno.args.includes("--uninstall") });
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
