/**
 * One-way sync, local wins: everything at start, then each change on save
 * (writes, deletes, renames), through exec into the dev container's
 * working directory. Files travel as a tar stream made by the local tar.
 * Only regular files travel: symlinks are never followed, so nothing
 * outside the tree (or behind a link inside it) is ever uploaded.
 */
import { PlatformError } from "../errors.ts";
import { execCollect, type ExecTarget } from "./exec.ts";
import { type IgnoreTree, isIgnoreFile, listDirectories, listFiles, loadIgnore } from "./ignore.ts";

/** What a tar run left behind. */
interface TarOutput {
  success: boolean;
  stdout: Uint8Array;
  stderr: Uint8Array;
}

/**
 * Runs the local tar over a NUL-separated list on its stdin. The list is
 * written while the archive is read: past a pipe buffer of names, tar
 * stops reading until its output is drained, and waiting for one before
 * the other would block both sides for ever.
 */
async function runTar(root: string, files: string[]): Promise<TarOutput> {
  const child = new Deno.Command("tar", {
    args: ["-c", "-f", "-", "-C", root, "--null", "-T", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  // "./" first: GNU tar reads a listed name that starts with "-" as an option.
  const list = new TextEncoder().encode(files.map((file) => `./${file}\0`).join(""));
  const writer = child.stdin.getWriter();
  const written = writer.write(list).then(() => writer.close());
  // A tar that dies early breaks the pipe; its stderr says why, so report that instead.
  written.catch(() => {});
  const result = await output;
  if (result.success) await written;
  return result;
}

/** The listed paths that are still regular files (not gone, not swapped for a symlink). */
async function stillRegular(root: string, files: string[]): Promise<string[]> {
  const kept: string[] = [];
  for (const file of files) {
    const info = await Deno.lstat(`${root}/${file}`).catch(() => undefined);
    if (info?.isFile) kept.push(file);
  }
  return kept;
}

/** Packs `files` (relative to root) into a tar archive with the local tar; names start with "./". */
export async function tarFiles(root: string, files: string[]): Promise<Uint8Array> {
  let result = await runTar(root, files);
  if (result.success) return result.stdout;
  // A file deleted between listing and packing (an editor's temp file): pack the others.
  const kept = await stillRegular(root, files);
  if (kept.length < files.length) result = await runTar(root, kept);
  if (result.success) return result.stdout;
  throw new PlatformError(`tar failed: ${new TextDecoder().decode(result.stderr).trim()}`, {
    hint: "is tar installed, and can every file to sync be read?",
  });
}

/** Printed by every remote script that finished: an exec that ran nothing also "succeeds". */
const DONE = "platform-sync-ok";

/**
 * Prologue of every script that receives data. Positional arguments: $1
 * the byte count, $2 seconds to wait for them. The exec stream's end is not
 * always delivered, so the script reads exactly $1 bytes, into a temp file
 * so that a short transfer changes nothing: the count is checked before
 * anything is used. `timeout` (coreutils, busybox) bounds the wait where
 * the image has one; elsewhere the client's own deadline closes the stream.
 */
const RECEIVE = [
  "t=$(mktemp) || exit 1; trap 'rm -f \"$t\"' EXIT",
  'if timeout 1 true >/dev/null 2>&1; then timeout "$2" head -c "$1"; else head -c "$1"; fi > "$t"',
  'n=$(($(wc -c < "$t")))',
  '[ "$n" -eq "$1" ] || { echo "only $n of $1 bytes arrived within $2 s" >&2; exit 1; }',
].join("\n");

// $3 the workdir. Extracts the archive.
const UNPACK = `${RECEIVE}\nmkdir -p "$3" && tar -x -f "$t" -C "$3" && echo ${DONE}`;
// $3 the workdir, $4 the file. Written in place: tar replaces files with new
// inodes, and file watchers in the container (node --watch, nodemon, air) lose
// track of those.
const WRITE =
  `${RECEIVE}\ncd "$3" && mkdir -p "$(dirname "./$4")" && cat "$t" > "./$4" && echo ${DONE}`;
// $3 the workdir; the data is the NUL-separated list of paths (argv and the
// exec URL have length limits that thousands of paths would pass).
const REMOVE = `${RECEIVE}\ncd "$3" && xargs -0 rm -rf -- < "$t" && echo ${DONE}`;

/** The container-side scripts (positional arguments as above), for tests that run them directly. */
export const REMOTE_SCRIPTS = { UNPACK, WRITE, REMOVE } as const;

/** Seconds a transfer of `bytes` may take: a minute, plus 2 s a MiB (0.5 MiB/s at worst). */
export function transferSeconds(bytes: number): number {
  return 60 + Math.ceil(bytes / (1 << 20)) * 2;
}

/** Runs a RECEIVE script with `data` on its stdin; throws unless it printed DONE. */
async function sendScript(
  target: ExecTarget,
  script: string,
  data: Uint8Array,
  args: string[],
  what: string,
): Promise<void> {
  const seconds = transferSeconds(data.length);
  const failed = (why: string, cause?: unknown) =>
    new PlatformError(`${what} in pod ${target.namespace}/${target.pod} failed: ${why}`, {
      hint: "the dev image needs sh, head, wc, mktemp, tar and xargs; check that the pod runs " +
        "and its node runs exec (on the local cluster, `platform setup` restarts the pod sandboxer)",
      cause,
    });
  let result;
  try {
    result = await execCollect(
      target,
      ["sh", "-c", script, "sh", String(data.length), String(seconds), ...args],
      data,
      // The container's own deadline goes first: its message says more than ours.
      { timeoutMs: (seconds + 30) * 1000 },
    );
  } catch (error) {
    // The exec itself failed (no such pod, no connection, timeout): say what was being done.
    throw failed((error as Error).message, error);
  }
  if (!result.stdout.includes(DONE)) {
    throw failed(result.stderr.trim() || result.status || "no answer");
  }
}

/** Sends `files` into `workdir` in the container as one archive; returns its size. */
export async function pushFiles(
  target: ExecTarget,
  root: string,
  workdir: string,
  files: string[],
): Promise<number> {
  if (!files.length) return 0;
  const archive = await tarFiles(root, files);
  await sendScript(target, UNPACK, archive, [workdir], `sync of ${files.length} files`);
  return archive.length;
}

/**
 * A file's content, only if it is still the regular file it was: opened,
 * then compared (device and inode) with what the path names now, so a file
 * swapped for a symlink in between is never read through it. Undefined if
 * it is gone or no longer a regular file.
 */
async function readRegularFile(path: string): Promise<Uint8Array | undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    const [opened, named] = await Promise.all([file.stat(), Deno.lstat(path)]);
    if (!opened.isFile || !named.isFile || opened.ino !== named.ino || opened.dev !== named.dev) {
      file.close();
      return undefined;
    }
  } catch (error) {
    file.close();
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  return await new Response(file.readable).bytes();
}

/** Writes each of `files` into `workdir` in place (one exec per file); for the few files of a save. */
export async function writeFiles(
  target: ExecTarget,
  root: string,
  workdir: string,
  files: string[],
): Promise<number> {
  let bytes = 0;
  for (const file of files) {
    const content = await readRegularFile(`${root}/${file}`);
    // Gone or turned into a symlink since the event: its own event deals with it.
    if (!content) continue;
    await sendScript(target, WRITE, content, [workdir, file], `sync of ${file}`);
    bytes += content.length;
  }
  return bytes;
}

/** Deletes `files` (and directories) from `workdir` in the container, in one exec. */
export async function removeFiles(
  target: ExecTarget,
  workdir: string,
  files: string[],
): Promise<void> {
  if (!files.length) return;
  const list = new TextEncoder().encode(files.map((file) => `${file}\0`).join(""));
  await sendScript(target, REMOVE, list, [workdir], `removal of ${files.length} paths`);
}

/** Counters a running sync keeps, for status and benchmarks. */
export interface SyncStats {
  files: number;
  bytes: number;
  lastSync?: string;
  /** The last failed sync's message (kept after later successes: compare with lastSync). */
  lastError?: string;
  /** When it failed (ISO 8601). */
  lastErrorAt?: string;
}

/** Syncs everything once; returns how many files and bytes went. */
export async function initialSync(
  target: ExecTarget,
  root: string,
  workdir: string,
): Promise<SyncStats> {
  const ignore = await loadIgnore(root);
  const files = await listFiles(root, ignore);
  const bytes = await pushFiles(target, root, workdir, files);
  return { files: files.length, bytes, lastSync: new Date().toISOString() };
}

const parentOf = (path: string) => path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";

/**
 * Is `path` reached from root through real directories only? A symlinked
 * directory in the tree leads elsewhere (the watcher may even report events
 * from inside it): nothing under it is ours to send.
 */
async function reachedDirectly(root: string, path: string): Promise<boolean> {
  const parent = parentOf(path);
  const expected = parent ? `${root}/${parent}` : root;
  return await Deno.realPath(expected).then((real) => real === expected, () => false);
}

/**
 * Sorts the paths of a burst of events into files to send and paths to
 * delete. A path that is now a directory (created, or renamed into place)
 * stands for every file under it: inotify reports the directory, not its
 * contents. A symlink is never followed: the path counts as deleted, as
 * for the initial sync, which leaves symlinks out. A vanished path that is
 * ignored (as a file or as a directory) is left alone in the container,
 * where it may be the container's own (node_modules installed there).
 */
export async function classifyChanges(
  root: string,
  paths: string[],
  ignore: IgnoreTree,
): Promise<{ changed: string[]; removed: string[] }> {
  // Compared with real paths below, so it must be canonical itself.
  root = await Deno.realPath(root);
  const changed = new Set<string>();
  const removed = new Set<string>();
  const ignoredEither = (path: string) => ignore.ignored(path) || ignore.ignored(path, true);
  for (const path of paths) {
    const info = await Deno.lstat(`${root}/${path}`).catch(() => undefined);
    if (!info || info.isSymlink) {
      if (!ignoredEither(path)) removed.add(path);
      continue;
    }
    if (ignore.ignored(path, info.isDirectory) || !(await reachedDirectly(root, path))) continue;
    if (info.isFile) changed.add(path);
    else if (info.isDirectory) {
      for (const file of await listFiles(root, ignore, path)) changed.add(file);
    }
  }
  return { changed: [...changed].sort(), removed: [...removed].sort() };
}

/** Flushes after failures wait this long at most before trying again. */
const MAX_RETRY_MS = 30_000;
/** A change that failed this many times is dropped (the error stays in the stats). */
const MAX_ATTEMPTS = 10;
/** How long a replaced watcher stays open to deliver what it has queued. */
const RETIRE_MS = 1000;
/** Up to this many changed files are written in place; more (a branch switch) go as one archive. */
const IN_PLACE_LIMIT = 20;

/**
 * Watches root and mirrors each change until `signal` aborts. Changes are
 * gathered for `debounceMs` so an editor's save burst is one round trip.
 * A failed sync is recorded in `stats` (lastError, lastErrorAt), reported
 * through onError once per run of failures, and retried with backoff.
 *
 * Deno.watchFs can only watch whole trees recursively, which would put a
 * watch on every directory of node_modules and .git (and can exhaust
 * inotify's per-user limit). So each directory that is not ignored is
 * watched on its own, non-recursively, and the set is rebuilt whenever a
 * directory appears, vanishes or is renamed.
 */
export async function watchAndSync(
  target: ExecTarget,
  root: string,
  workdir: string,
  options: {
    signal: AbortSignal;
    stats: SyncStats;
    debounceMs?: number;
    onSync?: (changed: string[], removed: string[]) => void;
    onError?: (error: Error) => void;
    /** Called once the watcher is up: changes from then on are seen. */
    onWatching?: () => void;
  },
): Promise<void> {
  const { signal, stats } = options;
  // Events carry canonical paths (/tmp may be /private/tmp): compare against the same form.
  root = await Deno.realPath(root);
  const ignore = await loadIgnore(root);
  const pending = new Set<string>();
  const attempts = new Map<string, number>();
  let watched = new Set<string>();
  let watcher: Deno.FsWatcher | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = Promise.resolve();
  let failures = 0;
  const failed = Promise.withResolvers<never>();
  // Seen by the race below; a watcher failing after the end must not be an unhandled rejection.
  failed.promise.catch(() => {});

  const relative = (absolute: string) =>
    absolute.startsWith(`${root}/`) ? absolute.slice(root.length + 1) : undefined;

  const onEvent = (event: Deno.FsEvent) => {
    for (const absolute of event.paths) {
      const path = relative(absolute);
      if (!path) continue;
      if (isIgnoreFile(path)) ignore.forget(parentOf(path));
      // Cheap drop of ignored paths; the flush decides for good once it knows what each is.
      if (ignore.ignored(path) && ignore.ignored(path, true)) continue;
      pending.add(path);
    }
    schedule(options.debounceMs ?? 20);
  };

  const consume = async (current: Deno.FsWatcher) => {
    try {
      for await (const event of current) onEvent(event);
    } catch (error) {
      if (current === watcher && !signal.aborted) failed.reject(error);
    }
  };

  /** Replaced watchers, closed a little later (see rewatch). */
  const retiring = new Map<Deno.FsWatcher, ReturnType<typeof setTimeout>>();
  const retire = (old: Deno.FsWatcher) => {
    retiring.set(
      old,
      setTimeout(() => {
        retiring.delete(old);
        old.close();
      }, RETIRE_MS),
    );
  };

  /**
   * Watches the directories there are now. The old watcher stays open a
   * moment longer: events it has queued but not yet delivered would be lost
   * with it (both report the overlap; pending is a set).
   */
  const rewatch = async () => {
    for (let attempt = 1;; attempt++) {
      const dirs = await listDirectories(root, ignore);
      let next: Deno.FsWatcher;
      try {
        next = Deno.watchFs(dirs.map((dir) => dir ? `${root}/${dir}` : root), {
          recursive: false,
        });
      } catch (error) {
        // A directory vanished between listing and watching: list again.
        if (error instanceof Deno.errors.NotFound && attempt < 3) continue;
        throw error;
      }
      const previous = watcher;
      watcher = next;
      watched = new Set(dirs);
      if (previous) retire(previous);
      void consume(next);
      return;
    }
  };

  /**
   * Rebuilds the watcher, and again while directories appear that it does
   * not cover: one made after the listing had no watch when its files were
   * written. Returns those directories; the caller lists their files now
   * that they are watched.
   */
  const rewatchUntilCovered = async (): Promise<string[]> => {
    const missed: string[] = [];
    await rewatch();
    for (let round = 0; round < 5; round++) {
      const late = (await listDirectories(root, ignore)).filter((dir) => !watched.has(dir));
      if (!late.length) break;
      missed.push(...late);
      await rewatch();
    }
    return missed;
  };

  /** Did the directory structure change (so the watched set and cached rules are stale)? */
  const structural = async (paths: string[]) => {
    let changed = false;
    for (const path of paths) {
      const info = await Deno.lstat(`${root}/${path}`).catch(() => undefined);
      const isDirectory = info?.isDirectory ?? false;
      // An ignored directory is never watched: its coming and going changes nothing.
      if (isDirectory && ignore.ignored(path, true)) continue;
      if (isDirectory !== watched.has(path)) {
        ignore.forget(path);
        changed = true;
      }
    }
    return changed;
  };

  const sync = async (paths: string[]) => {
    if (await structural(paths)) paths = [...paths, ...await rewatchUntilCovered()];
    const { changed, removed } = await classifyChanges(root, paths, ignore);
    await removeFiles(target, workdir, removed);
    // A save touches a few files: write them in place; a branch switch touches many: one tar.
    stats.bytes += changed.length <= IN_PLACE_LIMIT
      ? await writeFiles(target, root, workdir, changed)
      : await pushFiles(target, root, workdir, changed);
    stats.files += changed.length;
    stats.lastSync = new Date().toISOString();
    options.onSync?.(changed, removed);
  };

  /** Records a failure and puts its paths back for a later try, unless they failed too often. */
  const retry = (paths: string[], error: Error) => {
    stats.lastError = error.message;
    stats.lastErrorAt = new Date().toISOString();
    if (failures++ === 0) options.onError?.(error);
    for (const path of paths) {
      const count = (attempts.get(path) ?? 0) + 1;
      if (count >= MAX_ATTEMPTS) attempts.delete(path);
      else {
        attempts.set(path, count);
        pending.add(path);
      }
    }
    if (pending.size) schedule(Math.min(MAX_RETRY_MS, 1000 * 2 ** (failures - 1)));
  };

  const flush = () => {
    const paths = [...pending];
    pending.clear();
    running = running.then(async () => {
      if (signal.aborted || !paths.length) return;
      try {
        await sync(paths);
        failures = 0;
        for (const path of paths) attempts.delete(path);
      } catch (error) {
        if (!signal.aborted) retry(paths, error as Error);
      }
    });
  };

  function schedule(delayMs: number) {
    clearTimeout(timer);
    timer = setTimeout(flush, delayMs);
  }

  await rewatch();
  options.onWatching?.();
  const stopped = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
  try {
    await Promise.race([stopped, failed.promise]);
  } finally {
    clearTimeout(timer);
    watcher?.close();
    for (const [old, retireTimer] of retiring) {
      clearTimeout(retireTimer);
      old.close();
    }
    retiring.clear();
    await running;
  }
}
