/**
 * The template registry: built-in templates by name, or a claim file by
 * path. Adding a template is adding one file and one line here.
 */
import { usageError } from "../lib/errors.ts";
import { appClaimTemplate } from "./app_claim.ts";
import { manifestsTemplate } from "./manifests.ts";
import type { Template } from "./template.ts";
import { lazy } from "../lib/lazy.ts";

/** Built-in templates, by name. */
export const TEMPLATES: Record<string, Template> = {
  [manifestsTemplate.name]: manifestsTemplate,
  [appClaimTemplate.name]: appClaimTemplate,
};

/** Names accepted by --template besides a file path (for help and completion). */
export const TEMPLATE_CHOICES = ["auto", ...Object.keys(TEMPLATES)] as const;

/** Whether a --template value names a file rather than a built-in template. */
export function isTemplatePath(value: string): boolean {
  return value.includes("/") || /\.ya?ml$/.test(value);
}

/** The template for a built-in name or a file path (relative to baseDir). */
export async function resolveTemplate(value: string, baseDir: string): Promise<Template> {
  if (TEMPLATES[value]) return TEMPLATES[value];
  if (isTemplatePath(value)) {
    // Loaded on demand: it brings the YAML parser, which --help should not pay for.
    const { loadClaimFile } = await lazy<typeof import("./claim_file.ts")>(
      "./claim_file.ts",
      import.meta.url,
    );
    return await loadClaimFile(value.startsWith("/") ? value : `${baseDir}/${value}`);
  }
  throw usageError(
    `unknown template ${JSON.stringify(value)}`,
    `use one of ${
      TEMPLATE_CHOICES.join(", ")
    }, or a path to a claim file (for example crossplane/app-dev-db.yaml)`,
  );
}
