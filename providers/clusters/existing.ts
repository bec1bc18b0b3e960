/** existing: the cluster the kubeconfig's current context points at; nothing is created or destroyed. */
import { Kube } from "../../lib/kube/client.ts";
import type { ClusterProvider } from "./provider.ts";

/** The existing-cluster provider. */
export const existingProvider: ClusterProvider = {
  name: "existing",
  description:
    "the current kubeconfig context; platform installs into it and never deletes the cluster",
  cloud: false,
  async preflight(context) {
    await Kube.connect({ kubeconfig: context.kubeconfigPath });
  },
  exists: () => Promise.resolve(true),
  createPlan: () => [],
  destroyPlan: () => [],
  create: () => Promise.resolve(),
  destroy: () => Promise.resolve(),
};
