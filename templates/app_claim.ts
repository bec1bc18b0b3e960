/**
 * The seed's Crossplane claim: an AppClaim of devopstoolkit.live/v1alpha1
 * that the platform's compositions turn into the app (and its database).
 */
import type { KubeObject } from "../lib/kube/types.ts";
import { objectMeta, type Rendered, type RenderParams, type Template } from "./template.ts";

/** API version and kind of the claim. */
export const APP_CLAIM = { apiVersion: "devopstoolkit.live/v1alpha1", kind: "AppClaim" } as const;
/** Its resource name, as the platform's CRD defines it (lists go out without discovery). */
export const APP_CLAIM_PLURAL = "appclaims";

/** The parameters block of an AppClaim, from the render parameters. */
export function claimParameters(params: RenderParams): Record<string, unknown> {
  const parameters: Record<string, unknown> = {
    image: params.image,
    tag: params.tag,
    port: params.port,
    host: params.identity.host,
    ingressClassName: params.ingressClassName,
  };
  if (params.db) parameters.db = { ...params.db };
  return parameters;
}

/** The built-in AppClaim template. */
export const appClaimTemplate: Template = {
  name: "claim",
  description:
    "the seed's Crossplane AppClaim (devopstoolkit.live/v1alpha1); needs the platform's compositions",
  render(params: RenderParams): Rendered {
    const { identity } = params;
    const claim: KubeObject = {
      ...APP_CLAIM,
      metadata: objectMeta(identity, identity.name, "claim"),
      spec: {
        id: identity.id,
        compositionSelector: { matchLabels: { ...params.compositionSelector } },
        parameters: claimParameters(params),
      },
    };
    return {
      manifests: [claim],
      workload: { ...APP_CLAIM, name: identity.name, namespace: identity.namespace },
      readiness: "condition-ready",
    };
  },
};
