/**
 * The platform's components, one file each in components/, listed here.
 * Each is a helm release installed with `helm upgrade --install --version
 * <pinned> --wait`, then waited for on its own terms: its Deployments
 * Available and its CRDs Established. PLATFORM_CHARTS_DIR replaces every
 * chart with `<dir>/<component name>` (chart repositories are unreachable
 * on our build machines; the tests use the stand-ins in
 * tests/fixtures/charts).
 */
import { usageError } from "../errors.ts";
import type { Component, IngressController } from "./component.ts";
import { atlasOperator } from "./components/atlas_operator.ts";
import { contour } from "./components/contour.ts";
import { crossplane } from "./components/crossplane.ts";
import { externalSecrets } from "./components/external_secrets.ts";
import { ingressNginx } from "./components/ingress_nginx.ts";
import { traefik } from "./components/traefik.ts";

export type { Component, IngressController } from "./component.ts";
export { CROSSPLANE_CONFIGURATIONS } from "./components/crossplane.ts";

/**
 * Every component at its pinned version, in setup's order: the ingress
 * controllers (one is chosen), then the rest. Adding a component is adding
 * its file in components/ and its line here.
 */
export const COMPONENTS: readonly Component[] = [
  contour,
  ingressNginx,
  traefik,
  crossplane,
  externalSecrets,
  atlasOperator,
];

/** Ingress classes --ingress accepts, from the table. */
export const INGRESS_CLASSES: readonly string[] = COMPONENTS.flatMap((component) =>
  component.ingress ? [component.ingress.className] : []
);

/** Component names --components accepts (the ingress controller is chosen by --ingress). */
export const COMPONENT_NAMES: readonly string[] = COMPONENTS.filter((c) => !c.ingress).map((c) =>
  c.name
);

/** The ingress controller of a class; usage error for an unknown class. */
export function ingressComponent(className: string): Component & { ingress: IngressController } {
  const found = COMPONENTS.find((component) => component.ingress?.className === className);
  if (!found) {
    throw usageError(
      `unknown ingress ${JSON.stringify(className)}`,
      `use one of ${INGRESS_CLASSES.join(", ")}`,
    );
  }
  return found as Component & { ingress: IngressController };
}

/**
 * The components to install, in the table's order: the ingress controller
 * of the class, then the selection (default: all). Unknown names are a
 * usage error, caught before anything runs.
 */
export function selectComponents(ingressClass: string, selection?: string[]): Component[] {
  const ingress = ingressComponent(ingressClass);
  const unknown = (selection ?? []).filter((name) => !COMPONENT_NAMES.includes(name));
  if (unknown.length) {
    throw usageError(
      `unknown component${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}`,
      `--components takes a comma-separated list of ${COMPONENT_NAMES.join(", ")} ` +
        "(the ingress controller is chosen with --ingress)",
    );
  }
  return COMPONENTS.filter((component) =>
    component === ingress ||
    (!component.ingress && (!selection || selection.includes(component.name)))
  );
}

/** The `--set` values of a component on a provider with or without load balancers. */
export function valuesFor(component: Component, loadBalancer: boolean): Record<string, string> {
  const ingress = component.ingress
    ? (loadBalancer ? component.ingress.loadBalancerValues : component.ingress.hostPortValues)
    : {};
  return { ...component.values, ...ingress };
}

/**
 * The chart reference for helm: the repository chart, or with
 * PLATFORM_CHARTS_DIR the stand-in `<dir>/<component name>`.
 */
export function chartArgs(component: Component, chartsDir?: string): string[] {
  if (chartsDir) return [`${chartsDir}/${component.name}`];
  return component.repo ? [component.chart, "--repo", component.repo] : [component.chart];
}

/** The `<chart>-<version>` helm list shows for a deployed release at the pinned version. */
export function pinnedChart(component: Component): string {
  return `${component.chart.split("/").pop()}-${component.version}`;
}
