/**
 * Which local files a session syncs: everything but what .stignore and
 * .gitignore files exclude (and .git itself). As in git, an ignore file in
 * any directory applies to the paths below it, its patterns are relative to
 * that directory, and a deeper file overrides a shallower one. Supports the
 * common pattern forms: `name`, `dir/`, `*.ext`, `?`, `[abc]`,
 * `path/inside`, `/anchored`, `**` and `!negation`.
 */

/** One pattern line of an ignore file. */
export interface Rule {
  regex: RegExp;
  negate: boolean;
  directoryOnly: boolean;
}

/** The ignore files read in each directory, in order (.stignore first, as before). */
export const IGNORE_FILES = [".stignore", ".gitignore"];

const escapeChar = (char: string) => char.replace(/[.+?^${}()|[\]\\*]/g, "\\$&");

/** A glob (git's dialect) as a regex body: `*` and `?` stay inside one path segment. */
function globBody(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (char === "*" && glob[i + 1] === "*") {
      // "**/" at a segment start is zero or more directories (so "a/**/b" matches "a/b").
      const segmentStart = i === 0 || glob[i - 1] === "/";
      if (segmentStart && glob[i + 2] === "/") {
        out += "(?:.*/)?";
        i += 2;
      } else {
        out += ".*";
        i += 1;
      }
    } else if (char === "*") out += "[^/]*";
    else if (char === "?") out += "[^/]";
    else if (char === "[" && glob.indexOf("]", i + 2) !== -1) {
      const end = glob.indexOf("]", i + 2);
      const set = glob.slice(i + 1, end).replace(/\\/g, "\\\\");
      out += `[${set.startsWith("!") ? `^${set.slice(1)}` : set}]`;
      i = end;
    } else if (char === "\\" && i + 1 < glob.length) out += escapeChar(glob[++i]);
    else out += escapeChar(char);
  }
  return out;
}

/**
 * A pattern as a regex over paths relative to its ignore file's directory.
 * A slash at the start or in the middle anchors it there; otherwise it
 * matches a name at any depth. What lies inside a matched directory is
 * handled by the caller (its ancestors are checked), as git does.
 */
function toRule(line: string): Rule {
  const negate = line.startsWith("!");
  let pattern = negate ? line.slice(1) : line;
  const directoryOnly = pattern.endsWith("/");
  pattern = pattern.replace(/\/+$/, "");
  const anchored = pattern.includes("/");
  const body = globBody(pattern.replace(/^\//, ""));
  // Directories are tested with a trailing "/": a directory-only rule requires it.
  const tail = directoryOnly ? "/$" : "/?$";
  return {
    regex: new RegExp(anchored ? `^${body}${tail}` : `(^|/)${body}${tail}`),
    negate,
    directoryOnly,
  };
}

/** Parses ignore-file lines into rules. */
export function parseIgnore(text: string): Rule[] {
  return text.split(/\r?\n/).map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#") && line !== "!")
    .map(toRule);
}

/** Last matching rule wins; undefined when none matches. */
function verdict(rules: Rule[], path: string, isDirectory: boolean): boolean | undefined {
  const tested = isDirectory ? `${path}/` : path;
  let result: boolean | undefined;
  for (const rule of rules) if (rule.regex.test(tested)) result = !rule.negate;
  return result;
}

/** The directories above a relative path, outermost first: "a/b/c" gives "a", "a/b". */
function ancestors(path: string): string[] {
  const parts = path.split("/");
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("/"));
}

const isGitDir = (path: string) => path.split("/").includes(".git");

/**
 * The ignore rules of a tree, read lazily per directory and cached. Reads
 * are synchronous on purpose: they are a handful of small files, and a
 * synchronous predicate serves both the walk and the watcher's filter.
 */
export class IgnoreTree {
  readonly #rules = new Map<string, Rule[]>();

  constructor(readonly root: string) {}

  /** The rules of one directory ("" for the root), from its ignore files. */
  rulesOf(dir: string): Rule[] {
    let rules = this.#rules.get(dir);
    if (!rules) {
      const base = dir ? `${this.root}/${dir}` : this.root;
      rules = IGNORE_FILES.flatMap((name) => {
        try {
          return parseIgnore(Deno.readTextFileSync(`${base}/${name}`));
        } catch {
          return [];
        }
      });
      this.#rules.set(dir, rules);
    }
    return rules;
  }

  /** Drops the cached rules of `dir` and of every directory below it (they may have changed). */
  forget(dir: string): void {
    for (const key of this.#rules.keys()) {
      if (dir === "" || key === dir || key.startsWith(`${dir}/`)) this.#rules.delete(key);
    }
  }

  /**
   * Is this relative path (with / separators) ignored? As in git, nothing
   * inside an ignored directory comes back, whatever a negation says.
   */
  ignored = (path: string, isDirectory = false): boolean => {
    if (isGitDir(path)) return true;
    for (const dir of ancestors(path)) if (this.#ignoredHere(dir, true)) return true;
    return this.#ignoredHere(path, isDirectory);
  };

  /** The path alone (not its parents), against every ignore file above it; deeper files win. */
  #ignoredHere(path: string, isDirectory: boolean): boolean {
    let ignored = false;
    for (const dir of ["", ...ancestors(path)]) {
      const relative = dir ? path.slice(dir.length + 1) : path;
      ignored = verdict(this.rulesOf(dir), relative, isDirectory) ?? ignored;
    }
    return ignored;
  }
}

/** A predicate over one set of root-level rules: is this relative path ignored? */
export function ignoreMatcher(rules: Rule[]): (path: string, isDirectory?: boolean) => boolean {
  return (path, isDirectory = false) => {
    if (isGitDir(path)) return true;
    const check = (candidate: string, dir: boolean) => verdict(rules, candidate, dir) ?? false;
    return ancestors(path).some((dir) => check(dir, true)) || check(path, isDirectory);
  };
}

/** The ignore rules of a directory tree: its own ignore files and those of every directory below. */
export function loadIgnore(root: string): Promise<IgnoreTree> {
  return Promise.resolve(new IgnoreTree(root));
}

/** Tells whether a relative path names an ignore file (a change to it changes the rules). */
export function isIgnoreFile(path: string): boolean {
  return IGNORE_FILES.includes(path.slice(path.lastIndexOf("/") + 1));
}

/**
 * Every regular file at or under `under` (relative to root) that is not
 * ignored, as paths relative to root. Symlinks are never followed or
 * listed: their targets may lie outside the tree.
 */
export async function listFiles(root: string, ignore: IgnoreTree, under = ""): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir ? `${root}/${dir}` : root)) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (ignore.ignored(path, entry.isDirectory)) continue;
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile) files.push(path);
    }
  };
  await walk(under);
  return files.sort();
}

/** Every directory at or under `under` that is not ignored (what the watcher watches); "" is root. */
export async function listDirectories(
  root: string,
  ignore: IgnoreTree,
  under = "",
): Promise<string[]> {
  const dirs: string[] = [under];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir ? `${root}/${dir}` : root)) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (!entry.isDirectory || ignore.ignored(path, true)) continue;
      dirs.push(path);
      await walk(path);
    }
  };
  await walk(under);
  return dirs;
}
