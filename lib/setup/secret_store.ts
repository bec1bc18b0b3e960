/**
 * The ClusterSecretStore setup makes for External Secrets, on the backend
 * the provider declares (the cloud's secret manager, or the `local` fake
 * store), served only to the namespaces platform made.
 */
import type { KubeObject } from "../kube/types.ts";
import type { ClusterProvider } from "../../providers/clusters/provider.ts";
import { SETUP_LABELS } from "./labels.ts";
import { LABELS, MANAGER } from "../identity.ts";

/** The ClusterSecretStore for a provider; its name is what `apply dev --db` refers to. */
export function secretStoreFor(
  provider: ClusterProvider,
  env: Record<string, string | undefined>,
): KubeObject {
  const backend = provider.secretStore(env);
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ClusterSecretStore",
    metadata: { name: backend.name, labels: SETUP_LABELS },
    spec: {
      provider: backend.provider,
      // Served only to namespaces platform made (developers' and staging), not to every namespace.
      conditions: [{ namespaceSelector: { matchLabels: { [LABELS.managedBy]: MANAGER } } }],
    },
  };
}
