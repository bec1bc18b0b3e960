/**
 * existing: the cluster the kubeconfig's current (or --context) context
 * points at. Nothing is created or destroyed: setup installs into it and
 * destroy removes only what setup put there.
 */
import { addressForIp, awaitLoadBalancer } from "./ingress_address.ts";
import { localSecretStore } from "./local_secret_store.ts";
import type { ClusterProvider } from "./provider.ts";
import { lazy } from "../../lib/lazy.ts";

/** The existing-cluster provider. */
export const existingProvider: ClusterProvider = {
  name: "existing",
  description:
    "the current kubeconfig context; platform installs into it and never deletes the cluster",
  cloud: false,
  createsCluster: false,
  // Unknown until asked: apply dev asks the cluster whether it serves the claim.
  servesClaims: false,
  confirmDestroy: true,
  loadBalancer: true,
  secretStore: localSecretStore,
  kubeconfigPath: (_cwd, env) =>
    env.KUBECONFIG?.split(":").find(Boolean) ?? `${env.HOME}/.kube/config`,
  async preflight(context) {
    // Loaded here: listing the providers (--help, completions) must not load the client.
    const { Kube } = await lazy<typeof import("../../lib/kube/client.ts")>(
      "../../lib/kube/client.ts",
      import.meta.url,
    );
    await Kube.connect({ kubeconfig: context.kubeconfigPath, context: context.kubeContext });
  },
  exists: () => Promise.resolve(true),
  createPlan: () => [],
  destroyPlan: () => [],
  create: () => Promise.resolve(),
  destroy: () => Promise.resolve(),
  // A host given in the environment wins: the cluster's ingress may be fronted by something else.
  ingressAddress: (context, kube, service) => {
    const given = context.env.INGRESS_HOST;
    if (given) {
      return Promise.resolve(
        given.endsWith(".nip.io") ? addressForIp(given.slice(0, -".nip.io".length)) : {
          ip: context.env.INGRESS_IP ?? "",
          host: given,
        },
      );
    }
    return awaitLoadBalancer(kube, service, { reporter: context.reporter });
  },
};
