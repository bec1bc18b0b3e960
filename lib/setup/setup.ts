/**
 * `platform setup <provider>`: ordered, named, idempotent steps — cluster,
 * components, Crossplane configurations, the secret store, namespaces, the
 * staging app, the ingress host and `.env`. Each step reports done,
 * skipped (already so) or failed; a dry run returns the plan and touches
 * nothing. Running setup twice changes nothing the second time.
 */
import { PlatformError } from "../errors.ts";
import { discoverIngress } from "../ingress.ts";
import { Kube } from "../kube/client.ts";
import { LABELS, MANAGER } from "../identity.ts";
import { silentReporter } from "../progress.ts";
import { formatArgv, run } from "../run.ts";
import { updateDotenv } from "../dotenv.ts";
import { applyDev } from "../dev/apply.ts";
import type { KubeObject } from "../kube/types.ts";
import { providerNamed } from "../../providers/clusters/registry.ts";
import type { ClusterProvider, ProviderContext } from "../../providers/clusters/provider.ts";
import { definedEnv } from "../../providers/clusters/plan_runner.ts";
import {
  type Component,
  CROSSPLANE_CONFIGURATIONS,
  INGRESS_CLASSES,
  selectComponents,
} from "./components.ts";
import { deployedChart, helmBinary, installArgv } from "./helm.ts";
import type { Reporter } from "../progress.ts";

/** Options of {@link setup} and {@link destroy}. */
export interface SetupOptions {
  provider: string;
  users?: string[];
  ingress?: string;
  /** Non-ingress components to install (default: all). */
  components?: string[];
  dryRun?: boolean;
  clusterName?: string;
  /** Kubeconfig to write (created clusters) or use (existing); default ./kubeconfig.yaml or $KUBECONFIG. */
  kubeconfig?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  reporter?: Reporter;
}

/** One step's outcome, as setup and destroy return it. */
export interface StepRecord {
  step: string;
  /** checked: a check passed; done: something changed; skipped: it already was so. */
  status: "checked" | "done" | "skipped" | "planned";
  detail: string;
}

/** A named step: what it would do, and doing it (returning whether anything changed). */
export interface Step {
  name: string;
  /** A check changes nothing; it reports "checked". */
  check?: boolean;
  plan: () => string;
  run: () => Promise<{ changed: boolean; detail: string }>;
}

/** Everything the steps share. */
export interface SetupContext {
  provider: ClusterProvider;
  providerContext: ProviderContext;
  options: SetupOptions;
  env: Record<string, string | undefined>;
  cwd: string;
  helm: string;
  chartsDir?: string;
  ingressClass: string;
  components: Component[];
  users: string[];
  reporter: Reporter;
  kube?: Kube;
  /** The ingress host, once looked up (polling happens once per run). */
  ingressHost?: Promise<string>;
}

/** Resolves provider, paths and selections; validates input before anything runs. */
export async function setupContext(options: SetupOptions): Promise<SetupContext> {
  const provider = providerNamed(options.provider);
  const env = options.env ?? Deno.env.toObject();
  const cwd = options.cwd ?? Deno.cwd();
  const ingressClass = options.ingress ?? "contour";
  if (!(INGRESS_CLASSES as readonly string[]).includes(ingressClass)) {
    throw new PlatformError(`unknown ingress ${JSON.stringify(ingressClass)}`, {
      hint: `use one of ${INGRESS_CLASSES.join(", ")}`,
      exitCode: 2,
    });
  }
  const users = options.users ?? [];
  const { assertDnsLabel } = await import("../identity.ts");
  for (const user of users) assertDnsLabel("user name", user);
  const kubeconfigPath = options.kubeconfig ??
    (provider.name === "existing"
      ? env.KUBECONFIG?.split(":")[0] ?? `${env.HOME}/.kube/config`
      : `${cwd}/kubeconfig.yaml`);
  const reporter = options.reporter ?? silentReporter;
  return {
    provider,
    providerContext: {
      clusterName: options.clusterName ?? "platform",
      kubeconfigPath,
      env,
      cwd,
      reporter,
    },
    options,
    env,
    cwd,
    helm: await helmBinary(env),
    chartsDir: env.PLATFORM_CHARTS_DIR,
    ingressClass,
    components: selectComponents(ingressClass, options.components),
    users,
    reporter,
  };
}

async function kubeOf(context: SetupContext): Promise<Kube> {
  context.kube ??= await Kube.connect({ kubeconfig: context.providerContext.kubeconfigPath });
  return context.kube;
}

/** SSA-applies objects; reports whether any changed. */
async function applyAll(kube: Kube, objects: KubeObject[]): Promise<boolean> {
  let changed = false;
  for (const object of objects) {
    changed = (await kube.apply(object)).action !== "unchanged" || changed;
  }
  return changed;
}

const setupLabels = { [LABELS.managedBy]: MANAGER, "platform.dev/part-of": "setup" };

/** The ClusterSecretStore for the provider: the cloud's secret manager, or a local fake store. */
export function secretStoreFor(
  provider: string,
  env: Record<string, string | undefined>,
): KubeObject {
  const spec: Record<string, unknown> = provider === "aws"
    ? { aws: { service: "SecretsManager", region: env.AWS_REGION ?? "us-east-1" } }
    : provider === "google"
    ? { gcpsm: { projectID: env.GOOGLE_PROJECT_ID ?? "PROJECT_ID" } }
    : provider === "azure"
    ? {
      azurekv: {
        vaultUrl: env.AZURE_KEY_VAULT_URL ?? "https://VAULT.vault.azure.net",
        authType: "WorkloadIdentity",
      },
    }
    : { fake: { data: [] } };
  const name = ["aws", "google", "azure"].includes(provider) ? provider : "local";
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ClusterSecretStore",
    metadata: { name, labels: setupLabels },
    spec: { provider: spec },
  };
}

/** The ordered steps of setup. */
export function setupSteps(context: SetupContext): Step[] {
  const { provider, providerContext } = context;
  const kubeconfig = providerContext.kubeconfigPath;
  const runEnv = definedEnv(context.env);
  const steps: Step[] = [
    {
      name: "preflight",
      check: true,
      plan: () => `check what the ${provider.name} provider needs`,
      run: async () => {
        await provider.preflight(providerContext);
        return { changed: false, detail: `${provider.name} is ready to use` };
      },
    },
    {
      name: "cluster",
      plan: () =>
        provider.createPlan(providerContext).map((command) => formatArgv(command.argv)).join(
          " && ",
        ) || "use the current context",
      run: async () => {
        if (await provider.exists(providerContext)) {
          return { changed: false, detail: `cluster ${providerContext.clusterName} exists` };
        }
        await provider.create(providerContext);
        return {
          changed: true,
          detail: `cluster ${providerContext.clusterName} created; kubeconfig ${kubeconfig}`,
        };
      },
    },
  ];
  for (const component of context.components) {
    steps.push({
      name: component.name,
      plan: () => formatArgv(installArgv(context.helm, component, kubeconfig, context.chartsDir)),
      run: async () => {
        const want = `${
          component.name === component.chart ? component.chart : component.chart.split("/").pop()
        }-${component.version}`;
        const have = await deployedChart(context.helm, component, kubeconfig, runEnv);
        if (have === want) return { changed: false, detail: `${have} is deployed` };
        await run(installArgv(context.helm, component, kubeconfig, context.chartsDir), {
          env: runEnv,
          what: `install ${component.name}`,
          hint:
            `look at the release with: helm status ${component.name} -n ${component.namespace} --kubeconfig ${kubeconfig}`,
        });
        return { changed: true, detail: `${want} deployed in ${component.namespace}` };
      },
    });
  }
  if (context.components.some((component) => component.name === "crossplane")) {
    steps.push({
      name: "crossplane-configurations",
      plan: () =>
        `apply Configurations ${CROSSPLANE_CONFIGURATIONS.map((c) => c.package).join(", ")}`,
      run: async () => {
        const objects = CROSSPLANE_CONFIGURATIONS.map((configuration) => ({
          apiVersion: "pkg.crossplane.io/v1",
          kind: "Configuration",
          metadata: { name: configuration.name, labels: setupLabels },
          spec: { package: configuration.package },
        }));
        const changed = await applyAll(await kubeOf(context), objects);
        return { changed, detail: objects.map((object) => object.spec.package).join(", ") };
      },
    });
  }
  if (context.components.some((component) => component.name === "external-secrets")) {
    const store = secretStoreFor(provider.name, context.env);
    steps.push({
      name: "secret-store",
      plan: () =>
        `apply ClusterSecretStore ${store.metadata.name} (${Object.keys(store.spec.provider)[0]})`,
      run: async () => {
        const changed = await applyAll(await kubeOf(context), [store]);
        return { changed, detail: `ClusterSecretStore ${store.metadata.name}` };
      },
    });
  }
  const namespaces = [...context.users, "staging"];
  steps.push({
    name: "namespaces",
    plan: () => `apply namespaces ${namespaces.join(", ")}`,
    run: async () => {
      const objects = namespaces.map((name) => ({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name, labels: setupLabels },
      }));
      const changed = await applyAll(await kubeOf(context), objects);
      return { changed, detail: namespaces.join(", ") };
    },
  });
  steps.push({
    name: "staging-app",
    plan: () => "apply the staging app through the dev templates (user staging, namespace staging)",
    run: async () => {
      const result = await applyDev("staging", {
        flags: { kubeconfig, namespace: "staging", ingressHost: await ingressHostOf(context) },
        env: { ...context.env, KUBECONFIG: kubeconfig },
        cwd: context.cwd,
      });
      return {
        changed: result.result !== "unchanged",
        detail: `${result.url} (${result.template})`,
      };
    },
  });
  steps.push({
    name: "env-file",
    plan: () => `write KUBECONFIG, PROVIDER, INGRESS_IP, INGRESS_HOST to ${context.cwd}/.env`,
    run: async () => {
      const host = await ingressHostOf(context);
      const path = `${context.cwd}/.env`;
      const before = await Deno.readTextFile(path).catch(() => "");
      const after = updateDotenv(before, {
        KUBECONFIG: kubeconfig,
        PROVIDER: provider.name,
        INGRESS_IP: host.replace(/\.nip\.io$/, ""),
        INGRESS_HOST: host,
      });
      if (after === before) return { changed: false, detail: `${path} is current` };
      await Deno.writeTextFile(path, after);
      return { changed: true, detail: `${path} (source it: source .env)` };
    },
  });
  return steps;
}

/** The ingress host: fixed for local providers, else polled from the ingress Service. */
async function ingressHostOf(context: SetupContext): Promise<string> {
  if (context.provider.fixedIngressHost) return context.provider.fixedIngressHost;
  context.ingressHost ??= (async () => {
    const kube = await kubeOf(context);
    const deadline = Date.now() + 10 * 60_000;
    while (Date.now() < deadline) {
      const found = await discoverIngress(kube);
      if (found) return found.host;
      context.reporter.info("waiting for the ingress Service's load-balancer address...");
      await new Promise((resolve) => setTimeout(resolve, 10_000));
    }
    throw new PlatformError("the ingress Service got no load-balancer address within 10 minutes", {
      hint:
        "check the cloud's load balancer quota and the Service's events (kubectl -n contour describe service contour-envoy)",
    });
  })();
  return await context.ingressHost;
}

/** Runs steps in order, reporting each; stops at the first failure. */
export async function runSteps(
  steps: Step[],
  reporter: Reporter,
  dryRun: boolean,
): Promise<StepRecord[]> {
  const records: StepRecord[] = [];
  for (const step of steps) {
    if (dryRun) {
      records.push({ step: step.name, status: "planned", detail: step.plan() });
      continue;
    }
    try {
      const { changed, detail } = await step.run();
      const status = step.check ? "checked" : changed ? "done" : "skipped";
      records.push({ step: step.name, status, detail });
      reporter.step(
        status === "skipped" ? "skip" : "ok",
        `${step.name}: ${detail}${status === "skipped" ? " (already done)" : ""}`,
      );
    } catch (error) {
      reporter.step("fail", `${step.name}: ${(error as Error).message.split("\n")[0]}`);
      throw error;
    }
  }
  return records;
}

/** Sets the platform up on a provider; returns one record per step. */
export async function setup(options: SetupOptions): Promise<StepRecord[]> {
  const context = await setupContext(options);
  return await runSteps(setupSteps(context), context.reporter, Boolean(options.dryRun));
}
