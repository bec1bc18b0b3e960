/**
 * Which local files a session syncs: everything but what .stignore and
 * .gitignore exclude (and .git itself). Supports the common pattern forms:
 * `name`, `dir/`, `*.ext`, `path/inside`, `**` and `!negation`.
 */

interface Rule {
  regex: RegExp;
  negate: boolean;
  directoryOnly: boolean;
}

function toRegex(pattern: string): RegExp {
  const anchored = pattern.includes("/") && !pattern.endsWith("/") || pattern.startsWith("/");
  const body = pattern.replace(/^\//, "").replace(/\/$/, "")
    .split("**").map((part) =>
      part.split("*").map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*")
    )
    .join(".*");
  return new RegExp(anchored ? `^${body}(/|$)` : `(^|/)${body}(/|$)`);
}

/** Parses ignore-file lines into rules. */
export function parseIgnore(text: string): Rule[] {
  return text.split(/\r?\n/).map((line) => line.trim()).filter((line) =>
    line && !line.startsWith("#")
  )
    .map((line) => {
      const negate = line.startsWith("!");
      const pattern = negate ? line.slice(1) : line;
      return { regex: toRegex(pattern), negate, directoryOnly: pattern.endsWith("/") };
    });
}

/** A predicate: is this relative path (with / separators) ignored? */
export function ignoreMatcher(rules: Rule[]): (path: string) => boolean {
  return (path) => {
    if (path === ".git" || path.startsWith(".git/")) return true;
    let ignored = false;
    for (const rule of rules) if (rule.regex.test(path)) ignored = !rule.negate;
    return ignored;
  };
}

/** The matcher for a directory, from its .stignore and .gitignore. */
export async function loadIgnore(root: string): Promise<(path: string) => boolean> {
  const texts = await Promise.all(
    [".stignore", ".gitignore"].map((name) => Deno.readTextFile(`${root}/${name}`).catch(() => "")),
  );
  return ignoreMatcher(parseIgnore(texts.join("\n")));
}

/** Every file under root that is not ignored, as relative paths. */
export async function listFiles(
  root: string,
  ignored: (path: string) => boolean,
): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir ? `${root}/${dir}` : root)) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (ignored(path)) continue;
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile) files.push(path);
    }
  };
  await walk("");
  return files.sort();
}
