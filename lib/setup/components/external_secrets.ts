/**
 * External Secrets, and the ClusterSecretStore on the provider's secret
 * backend (lib/setup/secret_store.ts) that `apply dev --db` reads from.
 */
import type { SetupAction } from "../action.ts";
import type { Component } from "../component.ts";
import type { SetupContext } from "../context.ts";
import { applyIfOurs, removeOurs } from "../ownership.ts";
import { secretStoreFor } from "../secret_store.ts";

function secretStoreAction(context: SetupContext): SetupAction {
  const store = secretStoreFor(context.provider, context.env);
  const name = store.metadata.name!;
  const kind = Object.keys(store.spec.provider)[0];
  return {
    name: "secret-store",
    install: {
      plan: () => ({ detail: `apply ClusterSecretStore ${name} (${kind})` }),
      run: async () => {
        const action = await applyIfOurs(await context.kube(), store);
        return {
          changed: action !== "unchanged" && action !== "kept",
          detail: `ClusterSecretStore ${name} (${kind}) ${
            action === "kept" ? "kept as it was (not made by setup)" : action
          }`,
        };
      },
    },
    remove: {
      plan: () => ({ detail: `delete ClusterSecretStore ${name}` }),
      run: async () => {
        const { deleted, kept } = await removeOurs(
          await context.kube(),
          [{ apiVersion: store.apiVersion, kind: store.kind, name }],
          context.reporter,
        );
        const what = deleted.length
          ? "deleted"
          : kept.length
          ? "kept (not made by setup)"
          : "absent";
        return { changed: deleted.length > 0, detail: `ClusterSecretStore ${name} ${what}` };
      },
    },
  };
}

/** The external-secrets component. */
export const externalSecrets: Component = {
  name: "external-secrets",
  chart: "external-secrets",
  repo: "https://charts.external-secrets.io",
  version: "0.18.2",
  namespace: "external-secrets",
  values: { installCRDs: "true" },
  ready: {
    deployments: ["external-secrets", "external-secrets-webhook"],
    crds: ["clustersecretstores.external-secrets.io", "externalsecrets.external-secrets.io"],
  },
  afterRelease: (context) => [secretStoreAction(context)],
};
