/** azure: an AKS cluster made with az, in a resource group of its own. */
import { run } from "../../lib/run.ts";
import { definedEnv, requireEnv, requireProgram, runPlan } from "./plan_runner.ts";
import type { ClusterProvider, ProviderContext } from "./provider.ts";

const group = (context: ProviderContext) =>
  context.env.AZURE_RESOURCE_GROUP ?? `${context.clusterName}-rg`;
const location = (context: ProviderContext) => context.env.AZURE_LOCATION ?? "eastus";

/** The azure provider. */
export const azureProvider: ClusterProvider = {
  name: "azure",
  description: "AKS through az (AZURE_RESOURCE_GROUP, AZURE_LOCATION default eastus)",
  cloud: true,
  async preflight(context) {
    await requireProgram(
      "az",
      context,
      "install the Azure CLI: https://learn.microsoft.com/cli/azure/install-azure-cli",
    );
    requireEnv(
      context,
      ["AZURE_SUBSCRIPTION_ID", "AZURE_CLIENT_ID", "AZURE_CONFIG_DIR"],
      "run az login and export AZURE_SUBSCRIPTION_ID",
    );
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
    ], {
      allowFailure: true,
      env: definedEnv(context.env),
    });
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
  destroyPlan: (context) => [{
    argv: ["az", "group", "delete", "--name", group(context), "--yes"],
    why: `delete the resource group ${group(context)} with the AKS cluster ${context.clusterName}`,
  }],
  create(context) {
    return runPlan(this.createPlan(context), context);
  },
  destroy(context) {
    return runPlan(this.destroyPlan(context), context);
  },
};
