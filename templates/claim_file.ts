/**
 * A repository's own claim file (for example crossplane/app-dev-db.yaml)
 * used as the template: read once, per-user fields set in memory, the file
 * on disk never written.
 */
import { PlatformError } from "../lib/errors.ts";
import type { KubeObject } from "../lib/kube/types.ts";
import { parseYamlStream } from "../lib/yaml.ts";
import type { Rendered, RenderParams, Template } from "./template.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** Reads and checks a claim file; the returned template renders from it. */
export async function loadClaimFile(path: string): Promise<Template> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new PlatformError(`cannot read template ${path}: ${(error as Error).message}`, {
      hint:
        "check --template / platform.yaml `template`; relative paths start at the current directory",
      cause: error,
    });
  }
  return claimFileTemplate(text, path);
}

/** A template rendering from the claim in `text` (pure; `source` names it in errors). */
export function claimFileTemplate(text: string, source: string): Template {
  const documents = parseYamlStream(text, source);
  if (documents.length !== 1) {
    throw new PlatformError(
      `${source}: a claim template holds one YAML document, found ${documents.length}`,
      {
        hint: "keep only the claim in this file",
      },
    );
  }
  const claim = documents[0] as Json;
  const missing = (path: string, why: string) =>
    new PlatformError(`${source}: the template lacks ${path}, ${why}`, {
      hint:
        `add ${path} to the file (any placeholder value), or use --template claim for the built-in AppClaim`,
    });
  if (typeof claim !== "object" || Array.isArray(claim)) {
    throw new PlatformError(`${source}: the template is not a YAML mapping`, {
      hint: "a claim template is a Kubernetes object: apiVersion, kind, metadata, spec",
    });
  }
  for (const field of ["apiVersion", "kind"]) {
    if (typeof claim[field] !== "string") throw missing(field, "which names the claim's type");
  }
  if (typeof claim.spec !== "object" || claim.spec === null) {
    throw missing("spec", "which holds id and parameters");
  }
  if (!("id" in claim.spec)) throw missing("spec.id", "which platform sets to <user>-<app>");
  if (typeof claim.spec.parameters !== "object" || claim.spec.parameters === null) {
    throw missing("spec.parameters", "which holds the per-user host");
  }
  if (!("host" in claim.spec.parameters)) {
    throw missing("spec.parameters.host", "which platform sets to <user>.<app>.<ingress host>");
  }

  return {
    name: source,
    description: `claim file ${source}`,
    render(params: RenderParams): Rendered {
      const { identity } = params;
      const object = structuredClone(claim) as KubeObject;
      object.metadata = {
        ...(object.metadata ?? {}),
        name: identity.name,
        namespace: identity.namespace,
        labels: { ...(object.metadata?.labels ?? {}), ...identity.labels },
        annotations: {
          ...(object.metadata?.annotations ?? {}),
          "platform.dev/url": identity.url,
          "platform.dev/template": source,
        },
      };
      const spec = object.spec;
      spec.id = identity.id;
      const parameters = spec.parameters;
      parameters.host = identity.host;
      if (params.explicit.image) parameters.image = params.image;
      if (params.explicit.tag) parameters.tag = params.tag;
      if (params.explicit.port) parameters.port = params.port;
      if (params.explicit.ingressClassName) parameters.ingressClassName = params.ingressClassName;
      if (params.db) {
        if (typeof parameters.db !== "object" || parameters.db === null) {
          throw missing(
            "spec.parameters.db",
            "where --db sets the secret (a claim with a db section, like app-dev-db.yaml)",
          );
        }
        parameters.db.secret = params.db.secret;
      }
      return {
        manifests: [object],
        workload: {
          apiVersion: object.apiVersion,
          kind: object.kind,
          name: identity.name,
          namespace: identity.namespace,
        },
        readiness: "condition-ready",
      };
    },
  };
}
