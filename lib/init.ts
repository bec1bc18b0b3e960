/**
 * `platform init`: makes an app repository ready for platform: a
 * platform.yaml (its dev section taken from okteto.yaml when there is one),
 * the devbox init_hook line (merged into devbox.json, or a new devbox.json),
 * and the .gitignore lines for what platform writes. Nothing is ever
 * overwritten: an existing platform.yaml is kept, devbox.json and
 * .gitignore only gain what they lack.
 */
import { usageError } from "./errors.ts";
import { dnsLabelProblem } from "./identity.ts";
import { type PlatformYaml, validatePlatformYaml } from "./settings_schema.ts";
import { parseYaml, toYaml } from "./yaml.ts";

/** The devbox init_hook line: PATH, .env exports and completions for the shell devbox starts. */
export const DEVBOX_HOOK = 'eval "$(platform shell-init)"';

/** What platform writes into a project directory, for .gitignore. */
export const WRITTEN_FILES = [".env", "kubeconfig.yaml", ".platform/"] as const;

/** Options of {@link initProject}. */
export interface InitOptions {
  /** The app repository (default: the current directory). */
  dir: string;
  /** App name (default: okteto.yaml's dev entry, else the directory name). */
  app?: string;
  /** Report what would change; write nothing. */
  dryRun?: boolean;
}

/** One file's outcome. */
export interface InitRecord {
  file: string;
  action: "created" | "updated" | "unchanged" | "kept" | "would create" | "would update";
  detail: string;
}

type OktetoDev = {
  image?: string;
  command?: string | string[];
  workdir?: string;
  sync?: string[];
  forward?: (string | number)[];
  environment?: string[] | Record<string, string>;
};

async function readText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * platform.yaml content (pure): the app is `app` when given, else okteto.yaml's dev entry, else
 * `fallback`; the dev section comes from okteto.yaml's entry of that app (or its only one).
 */
export function platformYamlFor(
  names: { app?: string; fallback: string },
  okteto?: { dev?: Record<string, OktetoDev> },
): { text: string; from: string } {
  const entries = Object.entries(okteto?.dev ?? {});
  const [name, section] = entries.find(([key]) => key === names.app) ??
    (entries.length === 1 || !names.app ? entries[0] : undefined) ??
    [names.fallback, undefined];
  const settings: PlatformYaml = { app: names.app ?? name };
  if (section) {
    const environment = Array.isArray(section.environment)
      ? Object.fromEntries(section.environment.map((line) => {
        const at = line.indexOf("=");
        return at < 0 ? [line, ""] : [line.slice(0, at), line.slice(at + 1)];
      }))
      : section.environment;
    const workdir = section.workdir ?? section.sync?.[0]?.split(":")[1];
    settings.dev = {
      ...(section.image ? { image: section.image } : {}),
      ...(section.command ? { command: section.command } : {}),
      ...(workdir ? { workdir } : {}),
      ...(section.forward?.length ? { forward: section.forward.map(String) } : {}),
      ...(environment && Object.keys(environment).length ? { environment } : {}),
    };
  }
  validatePlatformYaml(settings, "the generated platform.yaml");
  const head =
    "# platform.yaml: settings of the platform CLI (`platform config schema` prints its schema)\n";
  const devHint = section ? "" : [
    "# A dev session (platform apply dev <user>) needs a dev section, for example:",
    "# dev:",
    "#   image: node:20",
    "#   command: [node, --watch, server.js]",
    "#   workdir: app",
    '#   forward: ["8080:8080"]',
    "",
  ].join("\n");
  return { text: head + toYaml(settings) + devHint, from: section ? "okteto.yaml" : "defaults" };
}

/** devbox.json with the init_hook line added (pure); undefined when it is already there. */
export function mergeDevbox(text: string | undefined): string | undefined {
  if (text === undefined) {
    return JSON.stringify(
      { packages: ["kubectl@latest"], shell: { init_hook: [DEVBOX_HOOK] } },
      null,
      2,
    ) + "\n";
  }
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(text);
  } catch {
    throw usageError(
      "devbox.json is not plain JSON, so it was left alone",
      `add ${JSON.stringify(DEVBOX_HOOK)} to shell.init_hook yourself`,
    );
  }
  const shell = (config.shell ?? {}) as Record<string, unknown>;
  const hooks = shell.init_hook === undefined
    ? []
    : Array.isArray(shell.init_hook)
    ? shell.init_hook as string[]
    : [String(shell.init_hook)];
  if (hooks.some((hook) => hook.includes("platform shell-init"))) return undefined;
  config.shell = { ...shell, init_hook: [...hooks, DEVBOX_HOOK] };
  return JSON.stringify(config, null, 2) + "\n";
}

/** .gitignore with the lines for what platform writes (pure); undefined when none is missing. */
export function mergeGitignore(text: string | undefined): string | undefined {
  const present = new Set(
    (text ?? "").split(/\r?\n/).map((line) => line.trim().replace(/^\//, "").replace(/\/$/, "")),
  );
  const missing = WRITTEN_FILES.filter((file) => !present.has(file.replace(/\/$/, "")));
  if (!missing.length) return undefined;
  const base = text === undefined || text === "" ? "" : text.endsWith("\n") ? text : `${text}\n`;
  return `${base}${base ? "\n" : ""}# written by platform (setup, apply dev)\n${
    missing.map((line) => `${line}\n`).join("")
  }`;
}

/** Scaffolds the app repository in `options.dir`; returns one record per file. */
export async function initProject(options: InitOptions): Promise<InitRecord[]> {
  const dir = options.dir.replace(/\/+$/, "") || "/";
  if (options.app) {
    const problem = dnsLabelProblem(options.app);
    if (problem) throw usageError(`invalid app name ${JSON.stringify(options.app)}: ${problem}`);
  }
  const records: InitRecord[] = [];
  const write = async (file: string, text: string, existed: boolean, detail: string) => {
    if (!options.dryRun) await Deno.writeTextFile(`${dir}/${file}`, text);
    records.push({
      file,
      action: options.dryRun
        ? existed ? "would update" : "would create"
        : existed
        ? "updated"
        : "created",
      detail,
    });
  };

  const existingYaml = await readText(`${dir}/platform.yaml`);
  if (existingYaml !== undefined) {
    records.push({ file: "platform.yaml", action: "kept", detail: "exists; left as it is" });
  } else {
    const oktetoText = await readText(`${dir}/okteto.yaml`);
    const okteto = oktetoText === undefined
      ? undefined
      : parseYaml(oktetoText, `${dir}/okteto.yaml`) as { dev?: Record<string, OktetoDev> };
    const base = dir.split("/").pop()!.toLowerCase().replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "").slice(0, 63) || "app";
    const { text, from } = platformYamlFor({ app: options.app, fallback: base }, okteto);
    await write("platform.yaml", text, false, `app and dev settings from ${from}`);
  }

  const devbox = await readText(`${dir}/devbox.json`);
  const mergedDevbox = mergeDevbox(devbox);
  if (mergedDevbox === undefined) {
    records.push({
      file: "devbox.json",
      action: "unchanged",
      detail: "init_hook runs platform shell-init",
    });
  } else {
    await write("devbox.json", mergedDevbox, devbox !== undefined, `init_hook: ${DEVBOX_HOOK}`);
  }

  const gitignore = await readText(`${dir}/.gitignore`);
  const mergedGitignore = mergeGitignore(gitignore);
  if (mergedGitignore === undefined) {
    records.push({
      file: ".gitignore",
      action: "unchanged",
      detail: "ignores what platform writes",
    });
  } else {
    await write(".gitignore", mergedGitignore, gitignore !== undefined, WRITTEN_FILES.join(", "));
  }
  return records;
}
