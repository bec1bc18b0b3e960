/** google: a GKE cluster made with gcloud. */
import { PlatformError } from "../../lib/errors.ts";
import { run } from "../../lib/run.ts";
import { definedEnv, requireProgram, runPlan } from "./plan_runner.ts";
import type { ClusterProvider, ProviderContext } from "./provider.ts";

const project = (context: ProviderContext) =>
  context.env.GOOGLE_PROJECT_ID ?? context.env.CLOUDSDK_CORE_PROJECT ?? "PROJECT_ID";
const zone = (context: ProviderContext) => context.env.GOOGLE_ZONE ?? "us-east1-b";

/** The google provider. */
export const googleProvider: ClusterProvider = {
  name: "google",
  description: "GKE through gcloud (GOOGLE_PROJECT_ID, GOOGLE_ZONE default us-east1-b)",
  cloud: true,
  async preflight(context) {
    await requireProgram(
      "gcloud",
      context,
      "install the Google Cloud CLI: https://cloud.google.com/sdk/docs/install",
    );
    if (!context.env.GOOGLE_PROJECT_ID && !context.env.CLOUDSDK_CORE_PROJECT) {
      throw new PlatformError("no Google Cloud project: GOOGLE_PROJECT_ID is not set", {
        hint: "export GOOGLE_PROJECT_ID=<your project id>",
      });
    }
    const accounts = await run([
      "gcloud",
      "auth",
      "list",
      "--filter=status:ACTIVE",
      "--format=value(account)",
    ], {
      allowFailure: true,
      env: definedEnv(context.env),
    });
    if (!accounts.stdout.trim() && !context.env.GOOGLE_APPLICATION_CREDENTIALS) {
      throw new PlatformError("no Google Cloud credentials: no active gcloud account", {
        hint: "run gcloud auth login (or set GOOGLE_APPLICATION_CREDENTIALS)",
      });
    }
  },
  async exists(context) {
    const result = await run([
      "gcloud",
      "container",
      "clusters",
      "describe",
      context.clusterName,
      "--project",
      project(context),
      "--zone",
      zone(context),
      "--format=value(name)",
    ], { allowFailure: true, env: definedEnv(context.env) });
    return result.code === 0;
  },
  createPlan: (context) => [
    {
      argv: [
        "gcloud",
        "container",
        "clusters",
        "create",
        context.clusterName,
        "--project",
        project(context),
        "--zone",
        zone(context),
        "--machine-type",
        "e2-standard-4",
        "--num-nodes",
        "2",
        "--no-enable-autoupgrade",
      ],
      why: `create the GKE cluster ${context.clusterName} in ${zone(context)}`,
    },
    {
      argv: [
        "gcloud",
        "container",
        "clusters",
        "get-credentials",
        context.clusterName,
        "--project",
        project(context),
        "--zone",
        zone(context),
      ],
      why: `write its credentials to ${context.kubeconfigPath} (KUBECONFIG)`,
    },
  ],
  destroyPlan: (context) => [{
    argv: [
      "gcloud",
      "container",
      "clusters",
      "delete",
      context.clusterName,
      "--project",
      project(context),
      "--zone",
      zone(context),
      "--quiet",
    ],
    why: `delete the GKE cluster ${context.clusterName}`,
  }],
  create(context) {
    return runPlan(this.createPlan(context), context, { KUBECONFIG: context.kubeconfigPath });
  },
  destroy(context) {
    return runPlan(this.destroyPlan(context), context);
  },
};
