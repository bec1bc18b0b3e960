/**
 * What setup and destroy share: the provider, paths and selections,
 * resolved and validated before anything runs (a bad user name or an
 * unknown component is a usage error, not a half-finished setup).
 */
import { assertDnsLabel } from "../identity.ts";
import { Kube } from "../kube/client.ts";
import { silentReporter } from "../progress.ts";
import type { Reporter } from "../progress.ts";
import { DEFAULT_PROVIDER, providerNamed } from "../../providers/clusters/registry.ts";
import type {
  ClusterProvider,
  IngressAddress,
  ProviderContext,
} from "../../providers/clusters/provider.ts";
import { definedEnv } from "../../providers/clusters/plan_runner.ts";
import { type Component, type IngressController, selectComponents } from "./components.ts";
import { helmBinary, type HelmTarget } from "./helm.ts";

/** Options of setup and destroy. */
export interface SetupOptions {
  /** A provider name (providers/clusters/registry.ts); default the registry's first, kwok. */
  provider?: string;
  /** Developers who get a namespace each. */
  users?: string[];
  /** Ingress class: contour (default), nginx or traefik. */
  ingress?: string;
  /** Components besides the ingress controller (default: all). */
  components?: string[];
  /** Return the plan; touch nothing. */
  dryRun?: boolean;
  /** Name of the cluster to create or delete (default platform). */
  clusterName?: string;
  /** Kubeconfig to write (created clusters) or use (existing); default from the provider. */
  kubeconfig?: string;
  /** Kubeconfig context (existing clusters). */
  context?: string;
  env?: Record<string, string | undefined>;
  /** Where .env is written and the app's platform.yaml is read (default: the current directory). */
  cwd?: string;
  reporter?: Reporter;
}

/** Everything the steps share. */
export interface SetupContext {
  provider: ClusterProvider;
  providerContext: ProviderContext;
  env: Record<string, string | undefined>;
  /** The environment for child processes. */
  runEnv: Record<string, string>;
  cwd: string;
  helm: HelmTarget;
  chartsDir?: string;
  ingress: IngressController;
  components: Component[];
  users: string[];
  reporter: Reporter;
  /** The connection, made on first use (the cluster may not exist before the cluster step). */
  kube(): Promise<Kube>;
  /** The ingress address, looked up once per run. */
  ingressAddress(): Promise<IngressAddress>;
}

/** The namespace of the staging app. */
export const STAGING = "staging";

/** Resolves provider, paths and selections; validates input before anything runs. */
export async function setupContext(options: SetupOptions): Promise<SetupContext> {
  const provider = options.provider ? providerNamed(options.provider) : DEFAULT_PROVIDER;
  const env = options.env ?? Deno.env.toObject();
  const cwd = options.cwd ?? Deno.cwd();
  const components = selectComponents(options.ingress ?? "contour", options.components);
  const ingress = components.find((component) => component.ingress)!.ingress!;
  const users = [...new Set(options.users ?? [])];
  for (const user of users) assertDnsLabel("user name", user);
  // Cluster names reach kwokctl, eksctl, gcloud and az as argv: a DNS label can never be read as a flag.
  if (options.clusterName !== undefined) assertDnsLabel("cluster name", options.clusterName);
  const kubeconfigPath = options.kubeconfig ?? provider.kubeconfigPath(cwd, env);
  const reporter = options.reporter ?? silentReporter;
  const providerContext: ProviderContext = {
    clusterName: options.clusterName ?? "platform",
    kubeconfigPath,
    kubeContext: options.context,
    env,
    cwd,
    reporter,
  };
  let kube: Promise<Kube> | undefined;
  let address: Promise<IngressAddress> | undefined;
  const context: SetupContext = {
    provider,
    providerContext,
    env,
    runEnv: definedEnv(env),
    cwd,
    helm: { helm: await helmBinary(env), kubeconfig: kubeconfigPath, kubeContext: options.context },
    chartsDir: env.PLATFORM_CHARTS_DIR,
    ingress,
    components,
    users,
    reporter,
    kube: () => kube ??= Kube.connect({ kubeconfig: kubeconfigPath, context: options.context }),
    ingressAddress: () =>
      address ??= context.kube().then((client) =>
        provider.ingressAddress(providerContext, client, ingress.service)
      ),
  };
  return context;
}
