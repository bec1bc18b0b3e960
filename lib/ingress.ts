/**
 * Finding the ingress host: the ingress controller's Service gets a
 * load-balancer IP or host name; environments live under `<ip>.nip.io`.
 */
import { isForbidden } from "./errors.ts";
import type { Kube } from "./kube/client.ts";

/** Where the common ingress controllers put their Service. */
export const INGRESS_SERVICES = [
  { namespace: "contour", name: "contour-envoy", className: "contour" },
  { namespace: "projectcontour", name: "contour-envoy", className: "contour" },
  { namespace: "projectcontour", name: "envoy", className: "contour" },
  { namespace: "ingress-nginx", name: "ingress-nginx-controller", className: "nginx" },
  { namespace: "traefik", name: "traefik", className: "traefik" },
] as const;

/** A discovered ingress endpoint. */
export interface IngressEndpoint {
  ip?: string;
  hostname?: string;
  /** The base host environments are put under. */
  host: string;
  className: string;
  service: string;
}

/** The base host for an address: an IP becomes `<ip>.nip.io`; a host name stays. */
export function ingressHostFor(address: { ip?: string; hostname?: string }): string | undefined {
  if (address.ip) return `${address.ip}.nip.io`;
  return address.hostname;
}

/** Looks at the known ingress Services once; undefined when none has an address yet. */
export async function discoverIngress(kube: Kube): Promise<IngressEndpoint | undefined> {
  for (const candidate of INGRESS_SERVICES) {
    let service;
    try {
      service = await kube.get({ apiVersion: "v1", kind: "Service", ...candidate });
    } catch (error) {
      // Developers often may not read the ingress controller's namespace; that is no reason to fail.
      if (isForbidden(error)) continue;
      throw error;
    }
    const address = service?.status?.loadBalancer?.ingress?.[0];
    const host = address && ingressHostFor(address);
    if (host) {
      return {
        ip: address.ip,
        hostname: address.hostname,
        host,
        className: candidate.className,
        service: `${candidate.namespace}/${candidate.name}`,
      };
    }
  }
  return undefined;
}
