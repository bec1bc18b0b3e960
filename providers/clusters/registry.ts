/**
 * The cluster providers, by name. Adding one is adding one file and one
 * line here; the names are also the CLI's choices for setup and destroy.
 */
import { usageError } from "../../lib/errors.ts";
import { awsProvider } from "./aws.ts";
import { azureProvider } from "./azure.ts";
import { existingProvider } from "./existing.ts";
import { googleProvider } from "./google.ts";
import { kindProvider } from "./kind.ts";
import { kwokProvider } from "./kwok.ts";
import type { ClusterProvider } from "./provider.ts";

/** Every provider; the first is the default. */
export const PROVIDERS: readonly ClusterProvider[] = [
  kwokProvider,
  kindProvider,
  awsProvider,
  googleProvider,
  azureProvider,
  existingProvider,
];

/** The provider setup and destroy use when none is named: the local one, which needs no account. */
export const DEFAULT_PROVIDER: ClusterProvider = PROVIDERS[0];

/** Provider names, for the CLI's choice(): help, validation and completion from one list. */
export const PROVIDER_NAMES: readonly string[] = PROVIDERS.map((provider) => provider.name);

/**
 * The provider of a name that may be anyone's (PROVIDER from `.env`), or
 * undefined; for callers that read a provider's declarations and have a
 * fallback for a name they do not know.
 */
export function findProvider(name: string | undefined): ClusterProvider | undefined {
  return PROVIDERS.find((candidate) => candidate.name === name);
}

/** The provider of a name; usage error otherwise. */
export function providerNamed(name: string): ClusterProvider {
  const provider = findProvider(name);
  if (!provider) {
    throw usageError(
      `unknown provider ${JSON.stringify(name)}`,
      `use one of ${PROVIDER_NAMES.join(", ")}`,
    );
  }
  return provider;
}
