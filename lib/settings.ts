/**
 * Settings of a run, merged from, strongest first: flags, environment,
 * platform.yaml, `.env`, defaults. platform.yaml is validated by a zod
 * schema; the same schema yields its JSON Schema so editors complete it.
 */
import { z } from "zod";
import { PlatformError } from "./errors.ts";
import { parseDotenv } from "./dotenv.ts";
import { KUBECONFIG_SEPARATOR, splitKubeconfigList } from "./kube/kubeconfig.ts";
import { dirOf, findUp } from "./project.ts";
import {
  assertValid,
  DNS_LABEL_MAX,
  DNS_LABEL_PATTERN,
  HOST_MAX,
  HOST_PATTERN,
  IMAGE_MAX,
  IMAGE_PATTERN,
  TAG_PATTERN,
} from "./validate.ts";
import { parseYaml } from "./yaml.ts";

const name = z.string().regex(DNS_LABEL_PATTERN, "must be a DNS-1123 label").max(DNS_LABEL_MAX);
const host = z.string().regex(HOST_PATTERN, "must be a DNS-1123 subdomain (lower-case host name)")
  .max(HOST_MAX);
const image = z.string().regex(
  IMAGE_PATTERN,
  "must be an image repository without tag: [registry[:port]/]path, lower-case",
).max(IMAGE_MAX);
const tag = z.string().regex(
  TAG_PATTERN,
  "must be an image tag: letters, digits, '_', '.' and '-', at most 128, not starting with '.' or '-'",
);

/** The dev section: how a dev session runs (used by the session drivers). */
export const devSchema = z.object({
  image: z.string().optional().describe("Image of the dev container"),
  command: z.union([z.string(), z.array(z.string())]).optional().describe(
    "Dev command run in the container (a string runs through sh -c)",
  ),
  workdir: z.string().optional().describe("Directory in the container the local tree syncs to"),
  sync: z.array(z.string()).optional().describe("`local:remote` directory pairs, okteto style"),
  forward: z.array(z.string()).optional().describe("`local:remote` port pairs, like 8080:8080"),
  environment: z.record(z.string(), z.string()).optional().describe("Extra environment"),
}).strict();

/** The schema of platform.yaml. */
export const platformYamlSchema = z.object({
  $schema: z.string().optional(),
  app: name.optional().describe("App name; the workload is named after it (default silly-demo)"),
  namespace: z.string().optional().describe(
    "Namespace of a user's environment; `{user}` is replaced by the user name (default {user})",
  ),
  template: z.string().optional().describe(
    "auto (default), manifests, claim, or a path to a claim file used as the template",
  ),
  image: image.optional().describe("Image of the app (repository, without tag)"),
  tag: tag.optional().describe("Image tag of the app"),
  port: z.number().int().min(1).max(65535).optional().describe("Port the app listens on"),
  ingressClassName: z.string().optional().describe("Ingress class (default contour)"),
  ingressHost: host.optional().describe("Base host: environments get <user>.<app>.<host>"),
  timeout: z.number().int().positive().max(86_400).optional().describe(
    "Seconds to wait for readiness (at most 86400)",
  ),
  db: z.object({
    storeName: z.string().optional().describe("ClusterSecretStore holding database secrets"),
    name: z.string().optional().describe("Database name"),
    allow: z.array(z.string().min(1)).optional().describe(
      "Secret-store keys --db may name: exact keys, or prefixes ending in * " +
        "(default: <app>-*, keys starting with the app's name)",
    ),
  }).strict().optional(),
  compositionSelector: z.record(z.string(), z.string()).optional().describe(
    "matchLabels of the claim's composition selector",
  ),
  resourceGroups: z.array(z.string()).optional().describe(
    "API groups of the platform's own resource types (default devopstoolkit.live)",
  ),
  driver: z.string().optional().describe("Session driver (default builtin)"),
  dev: devSchema.optional(),
}).strict();

/** platform.yaml as parsed. */
export type PlatformYaml = z.infer<typeof platformYamlSchema>;

/** The JSON Schema of platform.yaml, generated from {@link platformYamlSchema}. */
export function platformYamlJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(platformYamlSchema, { io: "input" }) as Record<string, unknown>;
  return { ...schema, title: "platform.yaml", description: "Settings of the platform CLI" };
}

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
  dev?: z.infer<typeof devSchema>;
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

/** Validates parsed platform.yaml content; errors name the file and the path. */
export function validatePlatformYaml(value: unknown, source: string): PlatformYaml {
  const result = platformYamlSchema.safeParse(value ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.join(".") : "(top level)";
    return `${path}: ${issue.message}`;
  });
  throw new PlatformError(`${source} is not valid: ${problems.join("; ")}`, {
    hint:
      "see `platform config schema` for the allowed keys; point your editor at it for completion",
  });
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
  const file = text === undefined
    ? undefined
    : validatePlatformYaml(parseYaml(text, configFile), configFile);
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
