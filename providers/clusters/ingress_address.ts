/**
 * The ingress address of a cluster: local providers listen on 127.0.0.1;
 * cloud load balancers get an address some minutes after the ingress
 * controller's Service is made, watched for here, and an AWS load balancer
 * only a host name, resolved here (nip.io needs an IP).
 */
import { PlatformError } from "../../lib/errors.ts";
import type { Kube } from "../../lib/kube/client.ts";
import type { KubeObject } from "../../lib/kube/types.ts";
import { waitFor } from "../../lib/kube/wait.ts";
import type { Reporter } from "../../lib/progress.ts";
import type { IngressAddress, IngressService } from "./provider.ts";

/** The ingress address of clusters on this machine (kwok, kind). */
export const LOCAL_INGRESS: IngressAddress = { ip: "127.0.0.1", host: "127.0.0.1.nip.io" };

/** The ingress address for an IP. */
export function addressForIp(ip: string): IngressAddress {
  return { ip, host: `${ip}.nip.io` };
}

/** Options of {@link awaitLoadBalancer}. */
export interface AwaitLoadBalancerOptions {
  reporter: Reporter;
  /** Default 10 minutes: cloud load balancers take a few. */
  timeoutMs?: number;
  /** Resolves a host name to IPv4 addresses (default: the system resolver). */
  resolve?: (hostname: string) => Promise<string[]>;
  /** Pause between DNS attempts (default 10 s); DNS cannot be watched. */
  retryMs?: number;
}

/** The first load-balancer ingress of a Service: an IP, a host name, or nothing yet. */
export function loadBalancerOf(
  service: KubeObject | undefined,
): { ip?: string; hostname?: string } {
  const first = service?.status?.loadBalancer?.ingress?.[0] ?? {};
  return { ip: first.ip || undefined, hostname: first.hostname || undefined };
}

async function systemResolve(hostname: string): Promise<string[]> {
  // getaddrinfo, so /etc/hosts counts as it does for curl and kubectl.
  const { lookup } = await import("node:dns/promises");
  const found = await lookup(hostname, { family: 4, all: true });
  return found.map((entry) => entry.address);
}

/**
 * Waits (by watching the Service, with a progress line on each change) for
 * its load-balancer address; resolves a host name to its first IPv4
 * address, retrying while DNS does not know it yet.
 */
export async function awaitLoadBalancer(
  kube: Kube,
  service: IngressService,
  options: AwaitLoadBalancerOptions,
): Promise<IngressAddress> {
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const deadline = Date.now() + timeoutMs;
  const name = `${service.namespace}/${service.name}`;
  // A NodePort or ClusterIP Service never gets an address: waiting ten minutes would be a hang.
  const current = await kube.get({ apiVersion: "v1", kind: "Service", ...service });
  if (current && (current.spec?.type ?? "ClusterIP") !== "LoadBalancer") {
    throw new PlatformError(
      `the ingress Service ${name} is of type ${
        current.spec?.type ?? "ClusterIP"
      }: no load-balancer address will come`,
      {
        hint: "set INGRESS_HOST (and INGRESS_IP) to the address that reaches the ingress " +
          "controller, then run setup again",
      },
    );
  }
  const seen = await waitFor(kube, { apiVersion: "v1", kind: "Service", ...service }, {
    timeoutMs,
    what: `a load-balancer address on Service ${name}`,
    lookFurther: `kubectl -n ${service.namespace} describe service ${service.name}`,
    check: (object) => {
      if (!object) return { done: false, summary: "the Service does not exist" };
      const { ip, hostname } = loadBalancerOf(object);
      return ip || hostname
        ? { done: true, summary: ip ?? hostname! }
        : { done: false, summary: `no address yet (type ${object.spec?.type ?? "ClusterIP"})` };
    },
    onProgress: (summary) =>
      options.reporter.info(`waiting for the load-balancer address of ${name}: ${summary}`),
  });
  const { ip, hostname } = loadBalancerOf(seen);
  if (ip) return addressForIp(ip);
  const resolve = options.resolve ?? systemResolve;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const addresses = await resolve(hostname!);
      if (addresses[0]) return addressForIp(addresses[0]);
      last = "no IPv4 address";
    } catch (error) {
      last = (error as Error).message;
    }
    options.reporter.info(`waiting for ${hostname} to resolve (${last})`);
    await new Promise((done) => setTimeout(done, options.retryMs ?? 10_000));
  }
  throw new PlatformError(
    `the load balancer's host name ${hostname} did not resolve within ${
      Math.round(timeoutMs / 1000)
    } s (${last})`,
    {
      hint:
        `new cloud load balancers can take minutes to appear in DNS; try: dig +short ${hostname}`,
    },
  );
}
