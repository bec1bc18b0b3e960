/**
 * Where a project's files are: platform.yaml and `.env` are looked for in
 * the current directory and then upwards, up to and including the
 * repository root (the first directory with a `.git`), so every verb works
 * from a subdirectory of the project. Outside a repository only the
 * current directory counts: a stray `.env` in a home directory is never
 * picked up.
 */

/** The directories searched, nearest first: cwd up to the repository root, or cwd alone. */
export function searchDirs(cwd: string): string[] {
  const dirs: string[] = [];
  let dir = cwd.replace(/\/+$/, "") || "/";
  while (true) {
    dirs.push(dir);
    if (exists(`${dir}/.git`)) return dirs;
    const parent = dir === "/" ? undefined : dir.replace(/\/[^/]*$/, "") || "/";
    if (!parent || parent === dir) return [cwd];
    dir = parent;
  }
}

/** The nearest `name` from cwd up to the repository root, or undefined. */
export function findUp(cwd: string, name: string): string | undefined {
  for (const dir of searchDirs(cwd)) {
    if (exists(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

/** The repository root above cwd (the first directory with `.git`), or undefined. */
export function repositoryRoot(cwd: string): string | undefined {
  const dirs = searchDirs(cwd);
  const last = dirs[dirs.length - 1];
  return exists(`${last}/.git`) ? last : undefined;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The directory part of a path. */
export function dirOf(path: string): string {
  return path.replace(/\/[^/]*$/, "") || "/";
}
