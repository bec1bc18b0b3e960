/**
 * The ClusterSecretStore setup makes for External Secrets: the cloud's own
 * secret manager (credentials by reference: the controller's workload
 * identity, never a key in a manifest), or on local clusters a `fake`
 * store, so ExternalSecrets in dev environments have a store to name.
 */
import type { KubeObject } from "../kube/types.ts";
import { defaultStoreName } from "../dev/apply.ts";
import { SETUP_LABELS } from "./labels.ts";
import { LABELS, MANAGER } from "../identity.ts";

/** The ClusterSecretStore for a provider; its name is what `apply dev --db` refers to. */
export function secretStoreFor(
  provider: string,
  env: Record<string, string | undefined>,
): KubeObject {
  const serviceAccountRef = { name: "external-secrets", namespace: "external-secrets" };
  const spec: Record<string, unknown> = provider === "aws"
    ? { aws: { service: "SecretsManager", region: env.AWS_REGION ?? "us-east-1" } }
    : provider === "google"
    ? { gcpsm: { projectID: env.GOOGLE_PROJECT_ID ?? env.CLOUDSDK_CORE_PROJECT ?? "PROJECT_ID" } }
    : provider === "azure"
    ? {
      azurekv: {
        vaultUrl: env.AZURE_KEY_VAULT_URL ?? "https://VAULT.vault.azure.net",
        authType: "WorkloadIdentity",
        serviceAccountRef,
      },
    }
    : { fake: { data: [] } };
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ClusterSecretStore",
    metadata: { name: defaultStoreName(provider), labels: SETUP_LABELS },
    spec: {
      provider: spec,
      // Served only to namespaces platform made (developers' and staging), not to every namespace.
      conditions: [{ namespaceSelector: { matchLabels: { [LABELS.managedBy]: MANAGER } } }],
    },
  };
}
