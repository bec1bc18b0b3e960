/**
 * A cluster provider: where the platform's cluster comes from. One file per
 * provider in this folder, one registry; setup and destroy know nothing of
 * kwokctl, eksctl, gcloud or az.
 */
import type { Reporter } from "../../lib/progress.ts";

/** One command a provider would run, for plans and for running. */
export interface PlannedCommand {
  argv: string[];
  /** Why it runs, one line. */
  why: string;
}

/** What a provider gets to work with. */
export interface ProviderContext {
  /** Name of the cluster to create or destroy. */
  clusterName: string;
  /** Where the cluster's kubeconfig is written. */
  kubeconfigPath: string;
  /** Environment (PATH, credentials by reference, provider settings). */
  env: Record<string, string | undefined>;
  cwd: string;
  reporter: Reporter;
}

/** A source of clusters. */
export interface ClusterProvider {
  readonly name: string;
  readonly description: string;
  /** True for providers whose clusters cost money and need --yes to delete. */
  readonly cloud: boolean;
  /** Ingress host used before any load balancer is discovered (local providers). */
  readonly fixedIngressHost?: string;
  /** Throws a PlatformError with an install or login hint when the provider cannot work here. */
  preflight(context: ProviderContext): Promise<void>;
  /** Whether the cluster already exists. */
  exists(context: ProviderContext): Promise<boolean>;
  /** The commands that create the cluster and write its kubeconfig. */
  createPlan(context: ProviderContext): PlannedCommand[];
  /** The commands that delete the cluster. */
  destroyPlan(context: ProviderContext): PlannedCommand[];
  /** Creates the cluster (runs createPlan unless the provider knows better). */
  create(context: ProviderContext): Promise<void>;
  /** Deletes the cluster. */
  destroy(context: ProviderContext): Promise<void>;
}
