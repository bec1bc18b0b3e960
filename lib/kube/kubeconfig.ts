/**
 * Kubeconfig files as kubectl reads them. KUBECONFIG may list several files
 * (`a.yaml:b.yaml`); kubectl merges them: the first file to name a cluster,
 * user or context wins it, the current context comes from the first file
 * that sets one, and files that do not exist are skipped. Relative paths in
 * a file (certificate-authority, client-certificate, client-key, tokenFile,
 * an exec command with a directory) are relative to that file's directory.
 *
 * {@link mergeKubeconfigs} is pure; {@link readKubeconfigs} reads the files.
 */
import { PlatformError } from "../errors.ts";
import { parseYamlDocument } from "../yaml.ts";

/** One named entry of a kubeconfig list (clusters, users, contexts). */
export interface NamedEntry {
  name?: string;
  [key: string]: unknown;
}

/** The parts of a kubeconfig platform reads; other keys are carried along. */
export interface KubeconfigDocument {
  apiVersion?: string;
  kind?: string;
  clusters?: NamedEntry[];
  users?: NamedEntry[];
  contexts?: NamedEntry[];
  "current-context"?: string;
  [key: string]: unknown;
}

/** One parsed kubeconfig file and where it is. */
export interface KubeconfigFile {
  /** Absolute path of the file (its directory anchors relative paths in it). */
  path: string;
  document: KubeconfigDocument;
}

/** The separator of KUBECONFIG lists on this system (`:`; `;` on Windows). */
export const KUBECONFIG_SEPARATOR = Deno.build.os === "windows" ? ";" : ":";

/** Splits a KUBECONFIG-style list into file names (empty entries dropped). */
export function splitKubeconfigList(value: string): string[] {
  return value.split(KUBECONFIG_SEPARATOR).map((item) => item.trim()).filter(Boolean);
}

/**
 * The candidate files, in priority order: the given list (flag, KUBECONFIG
 * or .env, as settings picked it), else $KUBECONFIG, else ~/.kube/config.
 */
export function kubeconfigCandidates(
  given: string | undefined,
  env: Record<string, string | undefined>,
): string[] {
  if (given) return splitKubeconfigList(given);
  if (env.KUBECONFIG) return splitKubeconfigList(env.KUBECONFIG);
  return [`${env.HOME ?? ""}/.kube/config`];
}

function isAbsolute(path: string): boolean {
  return path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path);
}

/** `path` made absolute against `dir`, unless it already is (or is empty). */
export function resolveAgainst(dir: string, path: string): string {
  if (!path || isAbsolute(path)) return path;
  return `${dir.replace(/\/+$/, "")}/${path.replace(/^\.\//, "")}`;
}

function dirname(path: string): string {
  const index = path.lastIndexOf("/");
  return index <= 0 ? "/" : path.slice(0, index);
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

function withPaths(
  entry: NamedEntry,
  key: "cluster" | "user",
  fields: string[],
  dir: string,
): NamedEntry {
  const body = record(entry[key]);
  if (!body) return entry;
  const resolved: Record<string, unknown> = { ...body };
  for (const field of fields) {
    if (typeof resolved[field] === "string") {
      resolved[field] = resolveAgainst(dir, resolved[field] as string);
    }
  }
  const exec = record(resolved.exec);
  // kubectl resolves an exec command only when it names a path, not a program on PATH.
  if (exec && typeof exec.command === "string" && exec.command.includes("/")) {
    resolved.exec = { ...exec, command: resolveAgainst(dir, exec.command) };
  }
  // client-node reads only its own `token-file`; kubectl's field is `tokenFile`.
  if (
    key === "user" && typeof resolved.tokenFile === "string" && !resolved.token &&
    !resolved["token-file"]
  ) {
    resolved["token-file"] = resolved.tokenFile;
  }
  return { ...entry, [key]: resolved };
}

/**
 * One file's document with its relative paths made absolute against its
 * own directory (kubectl's rule: a path is relative to the file naming it).
 */
export function resolveKubeconfigPaths(file: KubeconfigFile): KubeconfigDocument {
  const dir = dirname(file.path);
  const { document } = file;
  return {
    ...document,
    clusters: (document.clusters ?? []).map((entry) =>
      withPaths(entry, "cluster", ["certificate-authority"], dir)
    ),
    users: (document.users ?? []).map((entry) =>
      withPaths(entry, "user", ["client-certificate", "client-key", "tokenFile", "token-file"], dir)
    ),
  };
}

function mergeByName(lists: NamedEntry[][]): NamedEntry[] {
  const seen = new Set<string>();
  const merged: NamedEntry[] = [];
  for (const list of lists) {
    for (const entry of list) {
      const name = entry?.name;
      if (typeof name !== "string" || seen.has(name)) continue;
      seen.add(name);
      merged.push(entry);
    }
  }
  return merged;
}

/**
 * Merges kubeconfig files as kubectl does: clusters, users and contexts by
 * name with the first file winning each name, `current-context` from the
 * first file that sets one. Paths are resolved per file before merging.
 * Pure: the files are given parsed.
 */
export function mergeKubeconfigs(files: KubeconfigFile[]): KubeconfigDocument {
  const resolved = files.map(resolveKubeconfigPaths);
  const list = (key: "clusters" | "users" | "contexts") =>
    mergeByName(resolved.map((document) => Array.isArray(document[key]) ? document[key]! : []));
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: list("clusters"),
    users: list("users"),
    contexts: list("contexts"),
    "current-context": resolved.map((document) => document["current-context"]).find(Boolean) ??
      "",
  };
}

/** What {@link readKubeconfigs} found. */
export interface LoadedKubeconfig {
  /** The files read, in priority order (missing list entries skipped, as kubectl does). */
  paths: string[];
  /** The merged document. */
  document: KubeconfigDocument;
}

function noKubeconfig(candidates: string[]): PlatformError {
  return new PlatformError(`no kubeconfig found (looked at ${candidates.join(", ")})`, {
    hint:
      "run `platform setup` (or ./denow task cluster:up for the local cluster) and `source .env`, " +
      "or pass --kubeconfig FILE",
  });
}

/**
 * The kubeconfig files of `given` that exist (a KUBECONFIG-style list,
 * default $KUBECONFIG, then ~/.kube/config), joined as a list; fails with a
 * hint when none exists.
 */
export function resolveKubeconfigPath(
  given?: string,
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): string {
  const env = options.env ?? Deno.env.toObject();
  const cwd = options.cwd ?? Deno.cwd();
  const candidates = kubeconfigCandidates(given, env);
  const found = candidates.map((candidate) => resolveAgainst(cwd, candidate)).filter((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });
  if (!found.length) throw noKubeconfig(candidates);
  return found.join(KUBECONFIG_SEPARATOR);
}

/**
 * Reads and merges the kubeconfig files of `given` (a KUBECONFIG-style
 * list; default $KUBECONFIG, then ~/.kube/config). Files of the list that
 * do not exist are skipped; none existing fails with a hint.
 */
export function readKubeconfigs(
  given: string | undefined,
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): LoadedKubeconfig {
  const env = options.env ?? Deno.env.toObject();
  const cwd = options.cwd ?? Deno.cwd();
  const candidates = kubeconfigCandidates(given, env);
  const files: KubeconfigFile[] = [];
  for (const candidate of candidates) {
    const path = resolveAgainst(cwd, candidate);
    let text: string;
    try {
      if (!Deno.statSync(path).isFile) continue;
      text = Deno.readTextFileSync(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw new PlatformError(`cannot read kubeconfig ${path}: ${(error as Error).message}`, {
        hint: "check the file's permissions, or point KUBECONFIG / --kubeconfig elsewhere",
        cause: error,
      });
    }
    const parsed = parseYamlDocument(text, path) ?? {};
    if (!record(parsed)) {
      throw new PlatformError(`kubeconfig ${path} is not a kubeconfig (not a YAML mapping)`, {
        hint: `check the file with: kubectl --kubeconfig ${path} config view`,
      });
    }
    files.push({ path, document: parsed as KubeconfigDocument });
  }
  if (!files.length) throw noKubeconfig(candidates);
  return { paths: files.map((file) => file.path), document: mergeKubeconfigs(files) };
}
