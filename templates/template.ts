/**
 * A template turns one user's parameters into the manifests of their
 * environment. Rendering is pure: structured edits in memory, never text
 * substitution, never a write to disk.
 */
import type { DevIdentity } from "../lib/identity.ts";
import type { KubeObject, ObjectRef } from "../lib/kube/types.ts";

/** What every template needs to render one user's environment. */
export interface RenderParams {
  identity: DevIdentity;
  image: string;
  tag: string;
  port: number;
  ingressClassName: string;
  compositionSelector: Record<string, string>;
  /** Present only when a db secret was named (--db). */
  db?: { secret: string; storeName: string; name: string };
  /** Values the user set explicitly (flags), which a claim file's own values yield to. */
  explicit: { image?: boolean; tag?: boolean; port?: boolean; ingressClassName?: boolean };
}

/** How platform knows the environment is ready. */
export type ReadinessKind = "deployment-available" | "condition-ready";

/** The result of rendering. */
export interface Rendered {
  manifests: KubeObject[];
  /** The object whose readiness means the environment is ready. */
  workload: ObjectRef;
  readiness: ReadinessKind;
}

/** A template backend. */
export interface Template {
  /** Name used by --template and platform.yaml. */
  readonly name: string;
  /** One line for help and `platform get templates`. */
  readonly description: string;
  render(params: RenderParams): Rendered;
}

/** Metadata every rendered object carries. */
export function objectMeta(identity: DevIdentity, name: string, template: string) {
  return {
    name,
    namespace: identity.namespace,
    labels: { ...identity.labels },
    annotations: { "platform.dev/url": identity.url, "platform.dev/template": template },
  };
}
