/**
 * One-way sync, local wins: everything at start, then each change on save
 * (writes, deletes, renames), through exec into the dev container's
 * working directory. Files travel as a tar stream made by the local tar.
 */
import { PlatformError } from "../errors.ts";
import { execCollect, type ExecTarget } from "./exec.ts";
import { listFiles, loadIgnore } from "./ignore.ts";

/** Packs `files` (relative to root) into a tar archive with the local tar. */
export async function tarFiles(root: string, files: string[]): Promise<Uint8Array> {
  const child = new Deno.Command("tar", {
    args: ["-c", "-f", "-", "-C", root, "--null", "-T", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(files.map((file) => `${file}\0`).join("")));
  await writer.close();
  const output = await child.output();
  if (!output.success) {
    throw new PlatformError(`tar failed: ${new TextDecoder().decode(output.stderr).trim()}`, {
      hint: "is GNU tar installed?",
    });
  }
  return output.stdout;
}

// The remote side reads exactly $1 bytes: the exec stream's end is not always delivered.
const UNPACK = 'mkdir -p "$2" && head -c "$1" | tar -x -f - -C "$2"';
const REMOVE = 'cd "$1" && shift && rm -rf -- "$@"';

/** Sends `files` into `workdir` in the container. */
export async function pushFiles(
  target: ExecTarget,
  root: string,
  workdir: string,
  files: string[],
): Promise<number> {
  if (!files.length) return 0;
  const archive = await tarFiles(root, files);
  const result = await execCollect(target, [
    "sh",
    "-c",
    UNPACK,
    "sh",
    String(archive.length),
    workdir,
  ], archive);
  if (result.stderr.trim()) {
    throw new PlatformError(`sync into ${target.pod} failed: ${result.stderr.trim()}`, {
      hint: "the dev image needs sh, head and tar",
    });
  }
  return archive.length;
}

// One file, written in place: tar replaces files with new inodes, and file
// watchers in the container (node --watch, nodemon, air) lose track of those.
const WRITE = 'cd "$2" && mkdir -p "$(dirname "$3")" && head -c "$1" > "$3"';

/** Writes each of `files` into `workdir` in place (one exec per file); for the few files of a save. */
export async function writeFiles(
  target: ExecTarget,
  root: string,
  workdir: string,
  files: string[],
): Promise<number> {
  let bytes = 0;
  for (const file of files) {
    const content = await Deno.readFile(`${root}/${file}`);
    const result = await execCollect(target, [
      "sh",
      "-c",
      WRITE,
      "sh",
      String(content.length),
      workdir,
      file,
    ], content);
    if (result.stderr.trim()) {
      throw new PlatformError(`sync of ${file} into ${target.pod} failed: ${result.stderr.trim()}`);
    }
    bytes += content.length;
  }
  return bytes;
}

/** Deletes `files` from `workdir` in the container. */
export async function removeFiles(
  target: ExecTarget,
  workdir: string,
  files: string[],
): Promise<void> {
  if (files.length) await execCollect(target, ["sh", "-c", REMOVE, "sh", workdir, ...files]);
}

/** Counters a running sync keeps, for status and benchmarks. */
export interface SyncStats {
  files: number;
  bytes: number;
  lastSync?: string;
}

/** Syncs everything once; returns how many files and bytes went. */
export async function initialSync(
  target: ExecTarget,
  root: string,
  workdir: string,
): Promise<SyncStats> {
  const ignored = await loadIgnore(root);
  const files = await listFiles(root, ignored);
  const bytes = await pushFiles(target, root, workdir, files);
  return { files: files.length, bytes, lastSync: new Date().toISOString() };
}

/**
 * Sorts the paths of a burst of events into files to send and paths to
 * delete. A path that is now a directory (created, or renamed into place)
 * stands for every file under it: inotify reports the directory, not its
 * contents.
 */
export async function classifyChanges(
  root: string,
  paths: string[],
  ignored: (path: string) => boolean,
): Promise<{ changed: string[]; removed: string[] }> {
  const changed = new Set<string>();
  const removed: string[] = [];
  for (const path of paths) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(`${root}/${path}`);
    } catch {
      removed.push(path);
      continue;
    }
    if (info.isFile) changed.add(path);
    else if (info.isDirectory) {
      const inside = await listFiles(`${root}/${path}`, (sub) => ignored(`${path}/${sub}`));
      for (const file of inside) changed.add(`${path}/${file}`);
    }
  }
  return { changed: [...changed].sort(), removed };
}

/**
 * Watches root and mirrors each change until `signal` aborts. Changes are
 * gathered for `debounceMs` so an editor's save burst is one round trip.
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
  },
): Promise<void> {
  // Events carry canonical paths (/tmp may be /private/tmp): compare against the same form.
  root = await Deno.realPath(root);
  const ignored = await loadIgnore(root);
  const watcher = Deno.watchFs(root, { recursive: true });
  options.signal.addEventListener("abort", () => watcher.close(), { once: true });
  const pending = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = Promise.resolve();
  const flush = () => {
    const paths = [...pending];
    pending.clear();
    running = running.then(async () => {
      if (options.signal.aborted) return;
      const { changed, removed } = await classifyChanges(root, paths, ignored);
      await removeFiles(target, workdir, removed);
      // A save touches a few files: write them in place; a branch switch touches many: one tar.
      options.stats.bytes += changed.length <= 20
        ? await writeFiles(target, root, workdir, changed)
        : await pushFiles(target, root, workdir, changed);
      options.stats.files += changed.length;
      options.stats.lastSync = new Date().toISOString();
      options.onSync?.(changed, removed);
    }).catch((error) => {
      if (!options.signal.aborted) options.onError?.(error as Error);
    });
  };
  try {
    for await (const event of watcher) {
      for (const absolute of event.paths) {
        if (!absolute.startsWith(`${root}/`)) continue;
        const path = absolute.slice(root.length + 1);
        if (!path || ignored(path)) continue;
        pending.add(path);
      }
      clearTimeout(timer);
      timer = setTimeout(flush, options.debounceMs ?? 20);
    }
  } catch (error) {
    if (!options.signal.aborted) throw error;
  }
  clearTimeout(timer);
  await running;
}
