/**
 * `platform setup <provider>`: ordered, named, idempotent steps — preflight,
 * cluster, the pinned helm components (each with its own wait), Crossplane
 * configurations, the secret store, namespaces, the ingress address, the
 * staging app and `.env`. A second run finds everything done and changes
 * nothing; a dry run returns the plan (exact argv arrays) and touches
 * nothing.
 */
import type { KubeObject } from "../kube/types.ts";
import { conditionReadiness, waitFor } from "../kube/wait.ts";
import { run } from "../run.ts";
import { applyDev } from "../dev/apply.ts";
import { formatCommand, planArgv } from "../../providers/clusters/plan_runner.ts";
import { CROSSPLANE_CONFIGURATIONS, valuesFor } from "./components.ts";
import { type SetupContext, setupContext, type SetupOptions, STAGING } from "./context.ts";
import { ENV_KEYS, writeEnvFile } from "./env_file.ts";
import { installArgv, isPinned, releaseOf } from "./helm.ts";
import { applyIfOurs, installedBySetup, recordRelease } from "./ownership.ts";
import { SETUP_LABELS } from "./labels.ts";
import { preflightStep } from "./preflight.ts";
import { readinessSummary, runsContainers, waitComponentReady } from "./readiness.ts";
import { secretStoreFor } from "./secret_store.ts";
import { runSteps, type Step, type StepRecord, withinStep } from "./steps.ts";

export type { SetupOptions } from "./context.ts";
export type { StepRecord } from "./steps.ts";

function clusterStep(context: SetupContext): Step {
  const { provider, providerContext } = context;
  const name = providerContext.clusterName;
  const plan = provider.createPlan(providerContext);
  return {
    name: "cluster",
    plan: () => ({
      detail: plan.length
        ? `unless cluster ${name} exists: ${plan.map(formatCommand).join(" && ")}`
        : `use the cluster of ${providerContext.kubeconfigPath} as it is`,
      commands: plan.map(planArgv),
    }),
    run: async () => {
      if (await provider.exists(providerContext)) {
        const did = await provider.ensureRunning?.(providerContext);
        if (did) return { changed: true, detail: `cluster ${name}: ${did}` };
        return {
          changed: false,
          detail: provider.name === "existing"
            ? `the cluster of ${providerContext.kubeconfigPath} answers`
            : `cluster ${name} exists`,
        };
      }
      await provider.create(providerContext);
      return {
        changed: true,
        detail: `cluster ${name} created; kubeconfig ${providerContext.kubeconfigPath}`,
      };
    },
  };
}

function componentSteps(context: SetupContext): Step[] {
  return context.components.map((component) => {
    const argv = installArgv(context.helm, component, {
      values: valuesFor(component, context.provider.loadBalancer),
      chartsDir: context.chartsDir,
    });
    return {
      name: component.name,
      plan: () => ({
        detail: `${component.chart} ${component.version} into ${component.namespace}, ` +
          `then wait for ${readinessSummary(component)}`,
        commands: [argv],
      }),
      run: async () => {
        const release = await releaseOf(context.helm, component, context.runEnv);
        const kube = await context.kube();
        // Someone else's release of that name: never upgraded, downgraded or adopted.
        if (release && !(await installedBySetup(kube, component))) {
          const ready = await waitComponentReady(kube, component, context.reporter);
          return {
            changed: false,
            detail: `${release.chart} in ${component.namespace} was not installed by setup: ` +
              `kept as it is${
                isPinned(release, component) ? "" : ` (setup pins ${component.version})`
              }; ${ready}`,
          };
        }
        const changed = !isPinned(release, component);
        if (changed) {
          context.reporter.info(`${component.name}: helm upgrade --install (${component.version})`);
          await run(argv, {
            env: context.runEnv,
            what: `install ${component.name}`,
            hint: `look at the release: helm status ${component.name} -n ${component.namespace} ` +
              `--kubeconfig ${context.helm.kubeconfig}; re-run setup to try again`,
          });
          await recordRelease(kube, component);
        }
        // Waited for even when skipped: a release can be deployed while its pods are not.
        const ready = await waitComponentReady(kube, component, context.reporter);
        const chart = `${component.chart.split("/").pop()}-${component.version}`;
        return {
          changed,
          detail: `${chart} ${
            changed ? "deployed" : "is deployed"
          } in ${component.namespace}; ${ready}`,
        };
      },
    };
  });
}

/** The Configuration objects of the seed's Crossplane packages. */
export function crossplaneConfigurations(): KubeObject[] {
  return CROSSPLANE_CONFIGURATIONS.map((configuration) => ({
    apiVersion: "pkg.crossplane.io/v1",
    kind: "Configuration",
    metadata: { name: configuration.name, labels: SETUP_LABELS },
    spec: { package: configuration.package },
  }));
}

function configurationsStep(context: SetupContext): Step {
  const objects = crossplaneConfigurations();
  const packages = objects.map((object) => object.spec.package).join(", ");
  return {
    name: "crossplane-configurations",
    plan: () => ({ detail: `apply Configurations ${packages}; wait until each is Healthy` }),
    run: async () => {
      const kube = await context.kube();
      let changed = false;
      const kept: string[] = [];
      for (const object of objects) {
        const action = await applyIfOurs(kube, object);
        if (action === "kept") kept.push(object.metadata.name!);
        changed = (action !== "unchanged" && action !== "kept") || changed;
      }
      const keptText = kept.length
        ? `; kept as they were (not made by setup): ${kept.join(", ")}`
        : "";
      if (!(await runsContainers(kube))) {
        return {
          changed,
          detail: `${packages} (not awaited: kwok nodes run no containers, so Crossplane ` +
            `installs nothing)${keptText}`,
        };
      }
      for (const object of objects) {
        await waitFor(kube, {
          apiVersion: object.apiVersion,
          kind: object.kind,
          name: object.metadata.name!,
        }, {
          check: conditionReadiness("Healthy"),
          timeoutMs: 10 * 60_000,
          what: `Configuration ${object.metadata.name} to be Healthy`,
          lookFurther: `kubectl describe configuration ${object.metadata.name}`,
          onProgress: (summary) => context.reporter.info(`${object.metadata.name}: ${summary}`),
        });
      }
      return { changed, detail: `${packages} Healthy${keptText}` };
    },
  };
}

function secretStoreStep(context: SetupContext): Step {
  const store = secretStoreFor(context.provider.name, context.env);
  const kind = Object.keys(store.spec.provider)[0];
  return {
    name: "secret-store",
    plan: () => ({ detail: `apply ClusterSecretStore ${store.metadata.name} (${kind})` }),
    run: async () => {
      const action = await applyIfOurs(await context.kube(), store);
      return {
        changed: action !== "unchanged" && action !== "kept",
        detail: `ClusterSecretStore ${store.metadata.name} (${kind}) ${
          action === "kept" ? "kept as it was (not made by setup)" : action
        }`,
      };
    },
  };
}

function namespacesStep(context: SetupContext): Step {
  const names = [...context.users.filter((user) => user !== STAGING), STAGING];
  return {
    name: "namespaces",
    plan: () => ({ detail: `create namespaces ${names.join(", ")} (those missing)` }),
    run: async () => {
      const kube = await context.kube();
      const created: string[] = [];
      const foreign: string[] = [];
      for (const name of names) {
        const existing = await kube.get({ apiVersion: "v1", kind: "Namespace", name });
        if (!existing) {
          await kube.create({
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name, labels: SETUP_LABELS },
          });
          created.push(name);
        } else if (existing.metadata.labels?.["platform.dev/part-of"] !== "setup") {
          // Not labelled as ours: destroy must never delete what setup did not create.
          foreign.push(name);
        }
      }
      const parts = [
        created.length ? `created ${created.join(", ")}` : `${names.join(", ")} exist`,
        foreign.length ? `kept as they were (not made by setup): ${foreign.join(", ")}` : "",
      ].filter(Boolean);
      return { changed: created.length > 0, detail: parts.join("; ") };
    },
  };
}

function ingressStep(context: SetupContext): Step {
  const { provider } = context;
  const service = `${context.ingress.service.namespace}/${context.ingress.service.name}`;
  return {
    name: "ingress-address",
    check: true,
    plan: () => ({
      detail: provider.loadBalancer
        ? `wait for the load-balancer address of Service ${service}; environments under <ip>.nip.io`
        : `${provider.name} serves ingress on 127.0.0.1: environments under 127.0.0.1.nip.io`,
    }),
    run: async () => {
      const address = await context.ingressAddress();
      return {
        changed: false,
        detail: provider.loadBalancer
          ? `${address.host} (load balancer of Service ${service})`
          : `${address.host} (${provider.name} is local: fixed)`,
      };
    },
  };
}

function stagingStep(context: SetupContext): Step {
  const className = context.ingress.className;
  return {
    name: "staging-app",
    plan: () => ({
      detail: `apply dev ${STAGING} through the app's template (namespace ${STAGING}, ` +
        `ingress class ${className}), wait until ready`,
    }),
    run: async () => {
      const kubeconfig = context.helm.kubeconfig;
      const result = await applyDev(STAGING, {
        flags: {
          kubeconfig,
          context: context.helm.kubeContext,
          namespace: STAGING,
          ingressHost: (await context.ingressAddress()).host,
          ingressClassName: className,
        },
        env: { ...context.env, KUBECONFIG: kubeconfig, PROVIDER: context.provider.name },
        cwd: context.cwd,
        reporter: withinStep(context.reporter),
      });
      return {
        changed: result.result !== "unchanged",
        detail: `${result.url} (${result.template}, ${result.result})`,
      };
    },
  };
}

function envFileStep(context: SetupContext): Step {
  const path = `${context.cwd}/.env`;
  return {
    name: "env-file",
    plan: () => ({ detail: `write ${ENV_KEYS.join(", ")} to ${path}, keeping its other lines` }),
    run: async () => {
      const address = await context.ingressAddress();
      const changed = await writeEnvFile(path, {
        KUBECONFIG: context.helm.kubeconfig,
        PROVIDER: context.provider.name,
        INGRESS_IP: address.ip,
        INGRESS_HOST: address.host,
        INGRESS_CLASS_NAME: context.ingress.className,
      });
      return { changed, detail: changed ? `${path} written (source .env)` : `${path} is current` };
    },
  };
}

/** The ordered steps of setup. */
export function setupSteps(context: SetupContext): Step[] {
  const has = (name: string) => context.components.some((component) => component.name === name);
  return [
    preflightStep(context),
    clusterStep(context),
    ...componentSteps(context),
    ...(has("crossplane") ? [configurationsStep(context)] : []),
    ...(has("external-secrets") ? [secretStoreStep(context)] : []),
    namespacesStep(context),
    ingressStep(context),
    stagingStep(context),
    envFileStep(context),
  ];
}

/** Sets the platform up on a provider; returns one record per step (the plan with dryRun). */
export async function setup(options: SetupOptions = {}): Promise<StepRecord[]> {
  const context = await setupContext(options);
  return await runSteps(setupSteps(context), context.reporter, Boolean(options.dryRun));
}
