/**
 * A cluster provider: where the platform's cluster comes from. One file per
 * provider in this folder, one registry; setup and destroy know nothing of
 * kwokctl, eksctl, gcloud or az.
 */
import type { Kube } from "../../lib/kube/client.ts";
import type { Reporter } from "../../lib/progress.ts";

/** One command a provider would run, for plans and for running. */
export interface PlannedCommand {
  argv: string[];
  /** Variables set for this command only (never secrets: plans are printed). */
  env?: Record<string, string>;
  /** Why it runs, one line. */
  why: string;
}

/** What a provider gets to work with. */
export interface ProviderContext {
  /** Name of the cluster to create or destroy. */
  clusterName: string;
  /** Where the cluster's kubeconfig is written (or, for `existing`, read). */
  kubeconfigPath: string;
  /** The kubeconfig context to use (`existing` only; created clusters have one). */
  kubeContext?: string;
  /** Environment (PATH, credentials by reference, provider settings). */
  env: Record<string, string | undefined>;
  cwd: string;
  reporter: Reporter;
}

/** Where environments are reached: the ingress address and the base host built on it. */
export interface IngressAddress {
  /** The address (INGRESS_IP in .env). */
  ip: string;
  /** The base host, `<ip>.nip.io` (INGRESS_HOST in .env). */
  host: string;
}

/** The ingress controller's Service, whose load-balancer address is the ingress address. */
export interface IngressService {
  namespace: string;
  name: string;
}

/**
 * The secret manager behind the ClusterSecretStore setup makes; the keys
 * `apply dev --db` names are read from it.
 */
export interface SecretStoreBackend {
  /** The store's name: the ClusterSecretStore's, and what ExternalSecrets refer to. */
  name: string;
  /** The store's `spec.provider`: credentials by reference, never a key in a manifest. */
  provider: Record<string, unknown>;
}

/**
 * A source of clusters. What callers decide about a provider they read
 * from what it declares here (confirmDestroy, createsCluster, servesClaims,
 * secretStore, loadBalancer), never from its name.
 */
export interface ClusterProvider {
  readonly name: string;
  readonly description: string;
  /** True for providers whose clusters cost money. */
  readonly cloud: boolean;
  /**
   * Whether the cluster is platform's own, made by setup and deleted by
   * destroy; false for a cluster someone else made (`existing`), which setup
   * only installs into and destroy only takes its own things out of.
   */
  readonly createsCluster: boolean;
  /**
   * Whether Crossplane's compositions run on the clusters setup makes here
   * (their nodes run containers), so that `--template auto` picks the claim
   * when there is no cluster to ask (a dry run).
   */
  readonly servesClaims: boolean;
  /**
   * Whether destroy asks first (or needs --yes): every provider but the
   * throwaway local one, whose cluster nobody else uses.
   */
  readonly confirmDestroy: boolean;
  /**
   * Whether a Service of type LoadBalancer gets an address here. Without
   * one, the ingress controller listens on host ports instead, since
   * `helm --wait` would otherwise wait forever for an address.
   */
  readonly loadBalancer: boolean;
  /** The secret store setup makes here (region, project or vault from `env`). */
  secretStore(env: Record<string, string | undefined>): SecretStoreBackend;
  /** The kubeconfig setup writes (or, for `existing`, uses) unless --kubeconfig names one. */
  kubeconfigPath(cwd: string, env: Record<string, string | undefined>): string;
  /**
   * Throws a PlatformError with an install or login hint when the provider
   * cannot work here; may install what it builds itself (the local
   * cluster's binaries) when that is what setup needs next.
   */
  preflight(context: ProviderContext, purpose?: "setup" | "destroy"): Promise<void>;
  /** Whether the cluster already exists. */
  exists(context: ProviderContext): Promise<boolean>;
  /**
   * Brings an existing cluster back into a usable state (a local cluster
   * whose processes stopped); returns what it had to do, or undefined when
   * nothing was needed.
   */
  ensureRunning?(context: ProviderContext): Promise<string | undefined>;
  /** The commands that create the cluster and write its kubeconfig. */
  createPlan(context: ProviderContext): PlannedCommand[];
  /** The commands that delete the cluster. */
  destroyPlan(context: ProviderContext): PlannedCommand[];
  /** Creates the cluster (runs createPlan, plus whatever files the plan reads). */
  create(context: ProviderContext): Promise<void>;
  /** Deletes the cluster. */
  destroy(context: ProviderContext): Promise<void>;
  /** The ingress address: fixed for local providers, awaited on the ingress Service otherwise. */
  ingressAddress(
    context: ProviderContext,
    kube: Kube,
    service: IngressService,
  ): Promise<IngressAddress>;
}
