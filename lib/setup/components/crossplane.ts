/**
 * Crossplane, and the seed's packages applied once it runs (dot-application
 * and dot-sql: the AppClaim and its compositions). Removing the
 * Configurations takes their XRDs and every claim with them, so destroy
 * removes only the ones setup labelled.
 */
import type { KubeObject } from "../../kube/types.ts";
import { conditionReadiness, waitFor } from "../../kube/wait.ts";
import type { SetupAction } from "../action.ts";
import type { Component } from "../component.ts";
import type { SetupContext } from "../context.ts";
import { SETUP_LABELS } from "../labels.ts";
import { applyIfOurs, removedDetail, removeOurs } from "../ownership.ts";
import { runsContainers } from "../readiness.ts";

/** Crossplane packages applied once Crossplane runs (the seed's dot-application and dot-sql). */
export const CROSSPLANE_CONFIGURATIONS = [
  { name: "crossplane-app", package: "xpkg.upbound.io/devops-toolkit/dot-application:v0.6.43" },
  { name: "crossplane-sql", package: "xpkg.upbound.io/devops-toolkit/dot-sql:v0.8.161" },
] as const;

/** The Configuration objects of the seed's Crossplane packages. */
export function crossplaneConfigurations(): KubeObject[] {
  return CROSSPLANE_CONFIGURATIONS.map((configuration) => ({
    apiVersion: "pkg.crossplane.io/v1",
    kind: "Configuration",
    metadata: { name: configuration.name, labels: SETUP_LABELS },
    spec: { package: configuration.package },
  }));
}

/** Applies the Configurations (keeping same-named ones of others), then waits until each is Healthy. */
async function installConfigurations(context: SetupContext, objects: KubeObject[]) {
  const packages = objects.map((object) => object.spec.package).join(", ");
  const kube = await context.kube();
  let changed = false;
  const kept: string[] = [];
  for (const object of objects) {
    const action = await applyIfOurs(kube, object);
    if (action === "kept") kept.push(object.metadata.name!);
    changed = (action !== "unchanged" && action !== "kept") || changed;
  }
  const keptText = kept.length ? `; kept as they were (not made by setup): ${kept.join(", ")}` : "";
  if (!(await runsContainers(kube))) {
    return {
      changed,
      detail: `${packages} (not awaited: kwok nodes run no containers, so Crossplane ` +
        `installs nothing)${keptText}`,
    };
  }
  for (const object of objects) {
    const name = object.metadata.name!;
    await waitFor(kube, { apiVersion: object.apiVersion, kind: object.kind, name }, {
      check: conditionReadiness("Healthy"),
      timeoutMs: 10 * 60_000,
      what: `Configuration ${name} to be Healthy`,
      lookFurther: `kubectl describe configuration ${name}`,
      onProgress: (summary) => context.reporter.info(`${name}: ${summary}`),
    });
  }
  return { changed, detail: `${packages} Healthy${keptText}` };
}

function configurationsAction(context: SetupContext): SetupAction {
  const objects = crossplaneConfigurations();
  const packages = objects.map((object) => object.spec.package).join(", ");
  const names = objects.map((object) => object.metadata.name!);
  return {
    name: "crossplane-configurations",
    install: {
      plan: () => ({ detail: `apply Configurations ${packages}; wait until each is Healthy` }),
      run: () => installConfigurations(context, objects),
    },
    remove: {
      plan: () => ({ detail: `delete Configurations ${names.join(", ")}` }),
      run: async () => {
        const { deleted, kept } = await removeOurs(
          await context.kube(),
          names.map((name) => ({
            apiVersion: "pkg.crossplane.io/v1",
            kind: "Configuration",
            name,
          })),
          context.reporter,
        );
        return { changed: deleted.length > 0, detail: removedDetail(deleted, kept) };
      },
    },
  };
}

/** The crossplane component. */
export const crossplane: Component = {
  name: "crossplane",
  chart: "crossplane",
  repo: "https://charts.crossplane.io/stable",
  version: "1.20.0",
  namespace: "crossplane-system",
  ready: {
    deployments: ["crossplane", "crossplane-rbac-manager"],
    crds: ["configurations.pkg.crossplane.io", "providers.pkg.crossplane.io"],
  },
  afterRelease: (context) => [configurationsAction(context)],
};
