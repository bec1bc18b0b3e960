/**
 * azure: an AKS cluster made with az, in a resource group of its own, so
 * destroy deletes the group and nothing is left behind. Credentials are
 * whatever `az login` left: preflight asks `az account show`.
 */
import { run } from "../../lib/run.ts";
import { awaitLoadBalancer } from "./ingress_address.ts";
import { definedEnv, noCredentials, requireProgram, runPlan } from "./plan_runner.ts";
import type { ClusterProvider, ProviderContext } from "./provider.ts";

const group = (context: ProviderContext) =>
  context.env.AZURE_RESOURCE_GROUP ?? `${context.clusterName}-rg`;
const location = (context: ProviderContext) => context.env.AZURE_LOCATION ?? "eastus";

/** The azure provider. */
export const azureProvider: ClusterProvider = {
  name: "azure",
  description: "AKS through az (AZURE_RESOURCE_GROUP, AZURE_LOCATION default eastus)",
  cloud: true,
  createsCluster: true,
  servesClaims: true,
  confirmDestroy: true,
  loadBalancer: true,
  // Workload identity through the controller's service account: no client secret in the manifest.
  secretStore: (env) => ({
    name: "azure",
    provider: {
      azurekv: {
        vaultUrl: env.AZURE_KEY_VAULT_URL ?? "https://VAULT.vault.azure.net",
        authType: "WorkloadIdentity",
        serviceAccountRef: { name: "external-secrets", namespace: "external-secrets" },
      },
    },
  }),
  kubeconfigPath: (cwd) => `${cwd}/kubeconfig.yaml`,
  async preflight(context) {
    await requireProgram(
      "az",
      context,
      "install the Azure CLI: https://learn.microsoft.com/cli/azure/install-azure-cli",
    );
    const account = await run(["az", "account", "show", "--query", "id", "--output", "tsv"], {
      allowFailure: true,
      env: definedEnv(context.env),
      timeoutMs: 60_000,
    });
    if (account.code !== 0 || !account.stdout.trim()) {
      throw noCredentials(
        "az has no logged-in account (az account show failed)",
        "run az login (and az account set --subscription <id> to pick the subscription)",
      );
    }
  },
  async exists(context) {
    const result = await run([
      "az",
      "aks",
      "show",
      "--resource-group",
      group(context),
      "--name",
      context.clusterName,
      "--output",
      "none",
    ], { allowFailure: true, env: definedEnv(context.env), timeoutMs: 120_000 });
    return result.code === 0;
  },
  createPlan: (context) => [
    {
      argv: ["az", "group", "create", "--name", group(context), "--location", location(context)],
      why: `create the resource group ${group(context)} in ${location(context)}`,
    },
    {
      argv: [
        "az",
        "aks",
        "create",
        "--resource-group",
        group(context),
        "--name",
        context.clusterName,
        "--node-count",
        "2",
        "--node-vm-size",
        "Standard_B2ms",
        "--enable-cluster-autoscaler",
        "--min-count",
        "2",
        "--max-count",
        "4",
        "--enable-managed-identity",
        "--enable-oidc-issuer",
        "--enable-workload-identity",
        "--generate-ssh-keys",
        "--yes",
      ],
      why: `create the AKS cluster ${context.clusterName}`,
    },
    {
      argv: [
        "az",
        "aks",
        "get-credentials",
        "--resource-group",
        group(context),
        "--name",
        context.clusterName,
        "--file",
        context.kubeconfigPath,
        "--overwrite-existing",
      ],
      why: `write its credentials to ${context.kubeconfigPath}`,
    },
  ],
  // A group setup named is deleted whole; a group the user named may hold more, so only the cluster goes.
  destroyPlan: (context) =>
    context.env.AZURE_RESOURCE_GROUP
      ? [{
        argv: [
          "az",
          "aks",
          "delete",
          "--resource-group",
          group(context),
          "--name",
          context.clusterName,
          "--yes",
        ],
        why: `delete the AKS cluster ${context.clusterName} (the group ${
          group(context)
        } is yours and stays)`,
      }]
      : [{
        argv: ["az", "group", "delete", "--name", group(context), "--yes"],
        why: `delete the resource group ${
          group(context)
        } with the AKS cluster ${context.clusterName}`,
      }],
  create(context) {
    return runPlan(this.createPlan(context), context);
  },
  destroy(context) {
    return runPlan(this.destroyPlan(context), context);
  },
  ingressAddress: (context, kube, service) =>
    awaitLoadBalancer(kube, service, { reporter: context.reporter }),
};
