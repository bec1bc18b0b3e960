/**
 * The schema of platform.yaml (zod), its JSON Schema for editors, and its
 * validation. Apart from settings.ts because zod is heavy to load: a run
 * without a platform.yaml never loads it.
 */
import { z } from "zod";
import { PlatformError } from "./errors.ts";
import {
  DNS_LABEL_MAX,
  DNS_LABEL_PATTERN,
  HOST_MAX,
  HOST_PATTERN,
  IMAGE_MAX,
  IMAGE_PATTERN,
  TAG_PATTERN,
} from "./validate.ts";

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

/** The dev section of platform.yaml as parsed. */
export type DevSection = z.infer<typeof devSchema>;

/** The JSON Schema of platform.yaml, generated from {@link platformYamlSchema}. */
export function platformYamlJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(platformYamlSchema, { io: "input" }) as Record<string, unknown>;
  return { ...schema, title: "platform.yaml", description: "Settings of the platform CLI" };
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
