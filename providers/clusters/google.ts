/**
 * google: a GKE cluster made with gcloud. Its kubeconfig authenticates
 * through gke-gcloud-auth-plugin, so preflight asks for that too, and for
 * an active gcloud account (or application default credentials).
 */
import { PlatformError } from "../../lib/errors.ts";
import { run } from "../../lib/run.ts";
import { awaitLoadBalancer } from "./ingress_address.ts";
import { definedEnv, noCredentials, requireProgram, runPlan } from "./plan_runner.ts";
import type { ClusterProvider, ProviderContext } from "./provider.ts";

const projectOf = (env: Record<string, string | undefined>) =>
  env.GOOGLE_PROJECT_ID ?? env.CLOUDSDK_CORE_PROJECT ?? "PROJECT_ID";
const project = (context: ProviderContext) => projectOf(context.env);
const zone = (context: ProviderContext) => context.env.GOOGLE_ZONE ?? "us-east1-b";
const where = (
  context: ProviderContext,
) => ["--project", project(context), "--zone", zone(context)];

/** The google provider. */
export const googleProvider: ClusterProvider = {
  name: "google",
  description: "GKE through gcloud (GOOGLE_PROJECT_ID, GOOGLE_ZONE default us-east1-b)",
  cloud: true,
  createsCluster: true,
  servesClaims: true,
  confirmDestroy: true,
  loadBalancer: true,
  secretStore: (env) => ({ name: "google", provider: { gcpsm: { projectID: projectOf(env) } } }),
  kubeconfigPath: (cwd) => `${cwd}/kubeconfig.yaml`,
  async preflight(context) {
    await requireProgram(
      "gcloud",
      context,
      "install the Google Cloud CLI: https://cloud.google.com/sdk/docs/install",
    );
    await requireProgram(
      "gke-gcloud-auth-plugin",
      context,
      "install it (the kubeconfig authenticates through it): " +
        "gcloud components install gke-gcloud-auth-plugin",
    );
    if (!context.env.GOOGLE_PROJECT_ID && !context.env.CLOUDSDK_CORE_PROJECT) {
      throw new PlatformError("no Google Cloud project: GOOGLE_PROJECT_ID is not set", {
        hint: "export GOOGLE_PROJECT_ID=<your project id>",
      });
    }
    if (context.env.GOOGLE_APPLICATION_CREDENTIALS) return;
    const accounts = await run([
      "gcloud",
      "auth",
      "list",
      "--filter=status:ACTIVE",
      "--format=value(account)",
    ], { allowFailure: true, env: definedEnv(context.env), timeoutMs: 60_000 });
    if (!accounts.stdout.trim()) {
      throw noCredentials(
        "gcloud has no active account and GOOGLE_APPLICATION_CREDENTIALS is not set",
        "run gcloud auth login (or export GOOGLE_APPLICATION_CREDENTIALS=<key file>)",
      );
    }
  },
  async exists(context) {
    const result = await run([
      "gcloud",
      "container",
      "clusters",
      "describe",
      context.clusterName,
      ...where(context),
      "--format=value(name)",
    ], { allowFailure: true, env: definedEnv(context.env), timeoutMs: 120_000 });
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
        ...where(context),
        "--machine-type",
        "e2-standard-4",
        "--num-nodes",
        "2",
        "--enable-autoscaling",
        "--min-nodes",
        "2",
        "--max-nodes",
        "4",
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
        ...where(context),
      ],
      // get-credentials writes to $KUBECONFIG; it has no flag for the file.
      env: { KUBECONFIG: context.kubeconfigPath },
      why: `write its credentials to ${context.kubeconfigPath}`,
    },
  ],
  destroyPlan: (context) => [{
    argv: [
      "gcloud",
      "container",
      "clusters",
      "delete",
      context.clusterName,
      ...where(context),
      "--quiet",
    ],
    why: `delete the GKE cluster ${context.clusterName}`,
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
