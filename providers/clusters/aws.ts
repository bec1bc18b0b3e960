/** aws: an EKS cluster made with eksctl. */
import { run } from "../../lib/run.ts";
import { definedEnv, requireEnv, requireProgram, runPlan } from "./plan_runner.ts";
import type { ClusterProvider, ProviderContext } from "./provider.ts";

const region = (context: ProviderContext) =>
  context.env.AWS_REGION ?? context.env.AWS_DEFAULT_REGION ?? "us-east-1";

/** The aws provider. */
export const awsProvider: ClusterProvider = {
  name: "aws",
  description: "EKS through eksctl (AWS_REGION, default us-east-1)",
  cloud: true,
  async preflight(context) {
    await requireProgram("eksctl", context, "install eksctl: https://eksctl.io/installation/", [
      "version",
    ]);
    requireEnv(
      context,
      ["AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE"],
      "log in to AWS first (aws configure / aws sso login, or export AWS_PROFILE)",
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
    ], {
      allowFailure: true,
      env: definedEnv(context.env),
    });
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
};
