/**
 * A component's helm release: installed at its pinned version and recorded
 * (a marker ConfigMap) when setup installs it; a release of that name
 * someone else installed is used as it is, never upgraded, downgraded or
 * uninstalled. Either way the component's own wait follows.
 */
import { run } from "../../run.ts";
import type { SetupAction } from "../action.ts";
import type { Component } from "../component.ts";
import { pinnedChart, valuesFor } from "../components.ts";
import type { SetupContext } from "../context.ts";
import { installArgv, isPinned, type Release, releaseOf, uninstallArgv } from "../helm.ts";
import {
  forgetRelease,
  installedBySetup,
  recordRelease,
  releaseMarkerRef,
  releaseRemoval,
} from "../ownership.ts";
import { readinessSummary, waitComponentReady } from "../readiness.ts";

/** What setup does with a release: keep someone else's, leave a current one, or install ours. */
export function releaseInstall(
  release: Release | undefined,
  recordedBySetup: boolean,
  component: Component,
): "keep" | "current" | "install" {
  if (release && !recordedBySetup) return "keep";
  return isPinned(release, component) ? "current" : "install";
}

/** The action of a component's release. */
export function helmReleaseAction(context: SetupContext, component: Component): SetupAction {
  const installing = installArgv(context.helm, component, {
    values: valuesFor(component, context.provider.loadBalancer),
    chartsDir: context.chartsDir,
  });
  const uninstalling = uninstallArgv(context.helm, component);
  return {
    name: component.name,
    install: {
      plan: () => ({
        detail: `${component.chart} ${component.version} into ${component.namespace}, ` +
          `then wait for ${readinessSummary(component)}`,
        commands: [installing],
      }),
      run: async () => {
        const release = await releaseOf(context.helm, component, context.runEnv);
        const kube = await context.kube();
        const decision = releaseInstall(
          release,
          await installedBySetup(kube, component),
          component,
        );
        if (decision === "install") {
          context.reporter.info(`${component.name}: helm upgrade --install (${component.version})`);
          await run(installing, {
            env: context.runEnv,
            what: `install ${component.name}`,
            hint: `look at the release: helm status ${component.name} -n ${component.namespace} ` +
              `--kubeconfig ${context.helm.kubeconfig}; re-run setup to try again`,
          });
          await recordRelease(kube, component);
        }
        // Waited for even when skipped: a release can be deployed while its pods are not.
        const ready = await waitComponentReady(kube, component, context.reporter);
        if (decision === "keep") {
          return {
            changed: false,
            detail: `${release!.chart} in ${component.namespace} was not installed by setup: ` +
              `kept as it is${
                isPinned(release, component) ? "" : ` (setup pins ${component.version})`
              }; ${ready}`,
          };
        }
        const installed = decision === "install";
        return {
          changed: installed,
          detail: `${pinnedChart(component)} ${
            installed ? "deployed" : "is deployed"
          } in ${component.namespace}; ${ready}`,
        };
      },
    },
    remove: {
      plan: () => ({
        detail: `helm uninstall ${component.name}, waiting (only if setup installed it)`,
        commands: [uninstalling],
      }),
      run: async () => {
        const release = await releaseOf(context.helm, component, context.runEnv);
        const kube = await context.kube();
        const marker = release ? await kube.get(releaseMarkerRef(component)) : undefined;
        const removal = releaseRemoval(Boolean(release), marker);
        if (removal === "absent") return { changed: false, detail: "not installed" };
        if (removal === "keep") {
          return {
            changed: false,
            detail: `release ${component.name} kept: setup did not install it`,
          };
        }
        await run(uninstalling, { env: context.runEnv, what: `uninstall ${component.name}` });
        await forgetRelease(kube, component);
        return { changed: true, detail: `release ${component.name} removed` };
      },
    },
  };
}
