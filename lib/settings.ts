/**
 * Settings of a run, merged from, strongest first: flags, environment,
 * platform.yaml, `.env`, defaults. platform.yaml is validated by a zod
 * schema; the same schema yields its JSON Schema so editors complete it.
 */
import { z } from "zod";
import { PlatformError } from "./errors.ts";
import { parseDotenv } from "./dotenv.ts";
import { parseYaml } from "./yaml.ts";

const name = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label")
  .max(63);

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
  image: z.string().optional().describe("Image of the app"),
  tag: z.string().optional().describe("Image tag of the app"),
  port: z.number().int().min(1).max(65535).optional().describe("Port the app listens on"),
  ingressClassName: z.string().optional().describe("Ingress class (default contour)"),
  ingressHost: z.string().optional().describe("Base host: environments get <user>.<app>.<host>"),
  timeout: z.number().int().positive().max(86_400).optional().describe(
    "Seconds to wait for readiness (at most 86400)",
  ),
  db: z.object({
    storeName: z.string().optional().describe("ClusterSecretStore holding database secrets"),
    name: z.string().optional().describe("Database name"),
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

  return {
    app: pick(flags.app, env.PLATFORM_APP, file.app) ?? DEFAULTS.app,
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
    compositionSelector: file.compositionSelector ?? { ...DEFAULTS.compositionSelector },
    resourceGroups: file.resourceGroups ?? [...DEFAULTS.resourceGroups],
    driver: pick(flags.driver, env.PLATFORM_DRIVER, file.driver) ?? DEFAULTS.driver,
    provider,
    kubeconfig: pick(
      flags.kubeconfig,
      env.KUBECONFIG,
      resolveFrom(layers.baseDir, dotenv.KUBECONFIG),
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
  /** Directory holding platform.yaml and .env (default: the current directory). */
  cwd?: string;
}

/** Reads platform.yaml and .env (when present) and merges every layer. */
export async function loadSettings(options: LoadSettingsOptions = {}): Promise<Settings> {
  const flags = options.flags ?? {};
  const env = options.env ?? Deno.env.toObject();
  const cwd = options.cwd ?? Deno.cwd();
  const explicit = flags.config ?? env.PLATFORM_CONFIG;
  const configFile = explicit ? resolveFrom(cwd, explicit)! : `${cwd}/platform.yaml`;
  const text = await readIfExists(configFile);
  if (text === undefined && explicit) {
    throw new PlatformError(`config file ${configFile} does not exist`, {
      hint: "check --config / PLATFORM_CONFIG, or drop it to use ./platform.yaml",
    });
  }
  const file = text === undefined
    ? undefined
    : validatePlatformYaml(parseYaml(text, configFile), configFile);
  const dotenvText = await readIfExists(`${cwd}/.env`);
  return mergeSettings({
    flags,
    env,
    file,
    dotenv: dotenvText ? parseDotenv(dotenvText) : {},
    baseDir: cwd,
    configFile: text === undefined ? undefined : configFile,
  });
}
