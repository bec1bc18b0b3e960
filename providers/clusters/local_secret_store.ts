/**
 * The secret store of clusters with no secret manager of their own (the
 * local ones, and a cluster platform did not make): External Secrets' `fake`
 * provider, so the ExternalSecrets of dev environments have a store to name.
 */
import type { SecretStoreBackend } from "./provider.ts";

/** The `local` store: empty until a platform engineer puts keys in it. */
export function localSecretStore(): SecretStoreBackend {
  return { name: "local", provider: { fake: { data: [] } } };
}
