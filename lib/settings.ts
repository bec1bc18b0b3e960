/**
 * Settings of a run, merged from, strongest first: flags, environment,
 * platform.yaml, `.env`, defaults. platform.yaml is validated by the zod
 * schema of settings_schema.ts, loaded only when there is a platform.yaml
 * to read (zod costs some 15 ms of start-up).
 */
import { PlatformError } from "./errors.ts";
import { parseDotenv } from "./dotenv.ts";
import { KUBECONFIG_SEPARATOR, splitKubeconfigList } from "./kube/kubeconfig.ts";
import { dirOf, findUp } from "./project.ts";
import { assertValid } from "./validate.ts";
import type { DevSection, PlatformYaml } from "./settings_schema.ts";
import { lazy } from "./lazy.ts";

export type { DevSection, PlatformYaml } from "./settings_schema.ts";

/** Defaults used when nothing else sets a value. */
export const DEFAULTS = {
  app: "silly-demo",
  template: "auto",
  image: "ghcr.io/vfarcic/idp-full-demo",
  tag: "0.0.5",
  port: 8080,
  ingressClassName: "contour",
  localIngressHost: "127.0.0.1.nip.io",
  timeout: 120,
  dbName: "main",
  compositionSelector: { type: "backend", location: "local" } as Record<string, string>,
  resourceGroups: ["devopstoolkit.live"],
  driver: "builtin",
} as const;

/** Settings given on the command line; undefined means "not given". */
export interface FlagSettings {
  app?: string;
  namespace?: string;
  template?: string;
  image?: string;
  tag?: string;
  port?: number;
  ingressHost?: string;
  ingressClassName?: string;
  timeout?: number;
  kubeconfig?: string;
  context?: string;
  config?: string;
  driver?: string;
}

/** Where a setting came from, for `--verbose` and error messages. */
export type SettingSource = "flag" | "env" | "platform.yaml" | ".env" | "default" | "discovered";

/** Fully merged settings of one run. */
export interface Settings {
  app: string;
  /** Namespace pattern; `{user}` is replaced. */
  namespace: string;
  template: string;
  image: string;
  tag: string;
  port: number;
  ingressClassName: string;
  /** Undefined when nothing set it: discovered from the cluster later. */
  ingressHost?: string;
  ingressHostSource?: SettingSource;
  timeout: number;
  dbStoreName?: string;
  dbName: string;
  /** Secret-store keys --db may name (exact, or a prefix ending in *). */
  dbAllow: string[];
  compositionSelector: Record<string, string>;
  resourceGroups: string[];
  driver: string;
  provider?: string;
  kubeconfig?: string;
  context?: string;
  /** Directory relative paths (template, kubeconfig from .env) resolve from. */
  baseDir: string;
  configFile?: string;
  dev?: DevSection;
}

/** The inputs of {@link mergeSettings}: one object per layer. */
export interface SettingLayers {
  flags: FlagSettings;
  env: Record<string, string | undefined>;
  file?: PlatformYaml;
  dotenv: Record<string, string>;
  baseDir: string;
  /** Directory of the `.env` read (relative paths in it resolve from there; default baseDir). */
  dotenvDir?: string;
  configFile?: string;
}

/** Merges the layers (pure): flags > env > platform.yaml > .env > defaults. */
export function mergeSettings(layers: SettingLayers): Settings {
  const { flags, env, dotenv } = layers;
  const file = layers.file ?? {};
  const pick = <T>(...values: (T | undefined)[]): T | undefined =>
    values.find((value) => value !== undefined && value !== "");

  const ingress: [string | undefined, SettingSource][] = [
    [flags.ingressHost, "flag"],
    [env.INGRESS_HOST, "env"],
    [file.ingressHost, "platform.yaml"],
    [dotenv.INGRESS_HOST, ".env"],
  ];
  const [ingressHost, ingressHostSource] = ingress.find(([value]) => value) ??
    [undefined, undefined];
  const provider = pick(env.PROVIDER, dotenv.PROVIDER);
  const app = pick(flags.app, env.PLATFORM_APP, file.app) ?? DEFAULTS.app;

  return {
    app,
    namespace: pick(flags.namespace, file.namespace) ?? "{user}",
    template: pick(flags.template, env.PLATFORM_TEMPLATE, file.template) ?? DEFAULTS.template,
    image: pick(flags.image, file.image) ?? DEFAULTS.image,
    tag: pick(flags.tag, file.tag) ?? DEFAULTS.tag,
    port: pick(flags.port, file.port) ?? DEFAULTS.port,
    ingressClassName: pick(
      flags.ingressClassName,
      env.INGRESS_CLASS_NAME,
      file.ingressClassName,
      dotenv.INGRESS_CLASS_NAME, // written by setup --ingress
    ) ?? DEFAULTS.ingressClassName,
    ingressHost,
    ingressHostSource,
    timeout: pick(flags.timeout, file.timeout) ?? DEFAULTS.timeout,
    dbStoreName: pick(file.db?.storeName),
    dbName: pick(file.db?.name) ?? DEFAULTS.dbName,
    dbAllow: file.db?.allow ?? [`${app}-*`],
    compositionSelector: file.compositionSelector ?? { ...DEFAULTS.compositionSelector },
    resourceGroups: file.resourceGroups ?? [...DEFAULTS.resourceGroups],
    driver: pick(flags.driver, env.PLATFORM_DRIVER, file.driver) ?? DEFAULTS.driver,
    provider,
    kubeconfig: pick(
      flags.kubeconfig,
      env.KUBECONFIG,
      resolveListFrom(layers.dotenvDir ?? layers.baseDir, dotenv.KUBECONFIG),
    ),
    context: flags.context,
    baseDir: layers.baseDir,
    configFile: layers.configFile,
    dev: file.dev,
  };
}

function resolveFrom(baseDir: string, path: string | undefined): string | undefined {
  if (!path) return undefined;
  return path.startsWith("/") ? path : `${baseDir}/${path}`;
}

/** A KUBECONFIG-style list with each relative entry resolved from `baseDir`. */
function resolveListFrom(baseDir: string, list: string | undefined): string | undefined {
  if (!list) return undefined;
  return splitKubeconfigList(list).map((path) => resolveFrom(baseDir, path)).join(
    KUBECONFIG_SEPARATOR,
  );
}

const SOURCE_NAMES: Record<SettingSource, string> = {
  flag: "--ingress-host",
  env: "INGRESS_HOST in the environment",
  "platform.yaml": "ingressHost in platform.yaml",
  ".env": "INGRESS_HOST in .env",
  default: "the default",
  discovered: "the ingress Service",
};

/**
 * Refuses settings that would reach the cluster malformed (exit 2, before
 * any request): the image, the tag and the ingress host, each named with
 * where it came from. Pure.
 */
export function validateSettings(settings: Settings): Settings {
  assertValid("image", "image", settings.image, "--image or image in platform.yaml");
  assertValid("tag", "image tag", settings.tag, "--tag or tag in platform.yaml");
  if (settings.ingressHost) {
    const source = SOURCE_NAMES[settings.ingressHostSource ?? "flag"];
    assertValid("host", "ingress host", settings.ingressHost, source);
  }
  return settings;
}

/** Parses and validates platform.yaml; the YAML parser and zod load only here. */
async function readPlatformYaml(text: string, configFile: string): Promise<PlatformYaml> {
  const [{ parseYaml }, { validatePlatformYaml }] = await Promise.all([
    lazy<typeof import("./yaml.ts")>("./yaml.ts", import.meta.url),
    lazy<typeof import("./settings_schema.ts")>("./settings_schema.ts", import.meta.url),
  ]);
  return validatePlatformYaml(parseYaml(text, configFile), configFile);
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new PlatformError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Options of {@link loadSettings}. */
export interface LoadSettingsOptions {
  flags?: FlagSettings;
  env?: Record<string, string | undefined>;
  /**
   * Where the search for platform.yaml and .env starts (default: the current
   * directory); each is the nearest one up to the repository root.
   */
  cwd?: string;
}

/** Reads platform.yaml and .env (the nearest of each, when present) and merges every layer. */
export async function loadSettings(options: LoadSettingsOptions = {}): Promise<Settings> {
  const flags = options.flags ?? {};
  const env = options.env ?? Deno.env.toObject();
  const cwd = options.cwd ?? Deno.cwd();
  const explicit = flags.config ?? env.PLATFORM_CONFIG;
  const configFile = explicit
    ? resolveFrom(cwd, explicit)!
    : findUp(cwd, "platform.yaml") ?? `${cwd}/platform.yaml`;
  const text = await readIfExists(configFile);
  if (text === undefined && explicit) {
    throw new PlatformError(`config file ${configFile} does not exist`, {
      hint: "check --config / PLATFORM_CONFIG, or drop it to use ./platform.yaml",
    });
  }
  const file = text === undefined ? undefined : await readPlatformYaml(text, configFile);
  const dotenvFile = findUp(cwd, ".env");
  const dotenvText = dotenvFile ? await readIfExists(dotenvFile) : undefined;
  return mergeSettings({
    flags,
    env,
    file,
    dotenv: dotenvText ? parseDotenv(dotenvText) : {},
    // Relative paths in platform.yaml (a template file) resolve from its own directory.
    baseDir: text !== undefined && !explicit ? dirOf(configFile) : cwd,
    dotenvDir: dotenvFile ? dirOf(dotenvFile) : cwd,
    configFile: text === undefined ? undefined : configFile,
  });
}
