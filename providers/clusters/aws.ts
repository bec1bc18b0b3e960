/**
 * aws: an EKS cluster made with eksctl. Its kubeconfig authenticates through
 * `aws eks get-token`, so the aws CLI is needed as well. Credentials are
 * looked for, never read: environment variables naming them, or the shared
 * credential files.
 */
import { run } from "../../lib/run.ts";
import { awaitLoadBalancer } from "./ingress_address.ts";
import {
  anyFileExists,
  definedEnv,
  firstSet,
  noCredentials,
  requireProgram,
  runPlan,
} from "./plan_runner.ts";
import type { ClusterProvider, ProviderContext } from "./provider.ts";

type Env = Record<string, string | undefined>;

const regionOf = (env: Env) => env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
const region = (context: ProviderContext) => regionOf(context.env);

const CREDENTIAL_VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_PROFILE",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
];

/** The aws provider. */
export const awsProvider: ClusterProvider = {
  name: "aws",
  description: "EKS through eksctl (AWS_REGION, default us-east-1)",
  cloud: true,
  createsCluster: true,
  servesClaims: true,
  confirmDestroy: true,
  loadBalancer: true,
  // The cluster's own region: the controller reaches Secrets Manager through its workload identity.
  secretStore: (env) => ({
    name: "aws",
    provider: { aws: { service: "SecretsManager", region: regionOf(env) } },
  }),
  kubeconfigPath: (cwd) => `${cwd}/kubeconfig.yaml`,
  async preflight(context) {
    await requireProgram("eksctl", context, "install eksctl: https://eksctl.io/installation/", [
      "version",
    ]);
    await requireProgram(
      "aws",
      context,
      "install the AWS CLI v2 (the kubeconfig authenticates with `aws eks get-token`): " +
        "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html",
    );
    const home = context.env.HOME;
    if (firstSet(context, CREDENTIAL_VARIABLES)) return;
    const files = [
      context.env.AWS_SHARED_CREDENTIALS_FILE ?? `${home}/.aws/credentials`,
      context.env.AWS_CONFIG_FILE ?? `${home}/.aws/config`,
    ];
    if (await anyFileExists(files)) return;
    throw noCredentials(
      `none of ${CREDENTIAL_VARIABLES.join(", ")} is set and there is no ${files.join(" or ")}`,
      "log in to AWS first: aws configure, or aws sso login --profile P and export AWS_PROFILE=P",
    );
  },
  async exists(context) {
    const result = await run([
      "eksctl",
      "get",
      "cluster",
      "--name",
      context.clusterName,
      "--region",
      region(context),
    ], { allowFailure: true, env: definedEnv(context.env), timeoutMs: 120_000 });
    return result.code === 0;
  },
  createPlan: (context) => [{
    argv: [
      "eksctl",
      "create",
      "cluster",
      "--name",
      context.clusterName,
      "--region",
      region(context),
      "--version",
      "1.33",
      "--nodegroup-name",
      "primary",
      "--node-type",
      "t3.large",
      "--nodes",
      "2",
      "--nodes-min",
      "2",
      "--nodes-max",
      "4",
      "--with-oidc",
      "--kubeconfig",
      context.kubeconfigPath,
    ],
    why: `create the EKS cluster ${context.clusterName} in ${region(context)}`,
  }],
  destroyPlan: (context) => [{
    argv: [
      "eksctl",
      "delete",
      "cluster",
      "--name",
      context.clusterName,
      "--region",
      region(context),
      "--wait",
    ],
    why: `delete the EKS cluster ${context.clusterName} in ${region(context)}`,
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
