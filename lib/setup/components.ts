/**
 * The platform's components, pinned in one table. Each is a helm release
 * installed with `helm upgrade --install --version <pinned> --wait`, then
 * waited for on its own terms: its Deployments Available and its CRDs
 * Established. PLATFORM_CHARTS_DIR replaces every chart with
 * `<dir>/<component name>` (chart repositories are unreachable on our
 * build machines; the tests use the stand-ins in tests/fixtures/charts).
 */
import { usageError } from "../errors.ts";
import type { IngressService } from "../../providers/clusters/provider.ts";

/** An ingress controller's specifics. */
export interface IngressController {
  /** The IngressClass name environments use. */
  className: string;
  /** The Service whose load-balancer address is the ingress address. */
  service: IngressService;
  /** Values where Services of type LoadBalancer get an address (clouds). */
  loadBalancerValues: Record<string, string>;
  /** Values where they do not (kind, kwok): host ports, since helm --wait would wait for an address forever. */
  hostPortValues: Record<string, string>;
}

/** A helm-installed component. */
export interface Component {
  /** Name used by --components, the release name and the stand-in chart's directory. */
  name: string;
  chart: string;
  /** Chart repository URL; undefined for an oci:// chart reference. */
  repo?: string;
  version: string;
  namespace: string;
  /** `--set` values on every provider. */
  values?: Record<string, string>;
  /** Set for ingress controllers, which --ingress chooses among. */
  ingress?: IngressController;
  /** The component's own wait, after helm's: Deployments (in its namespace) and CRDs. */
  ready: { deployments: string[]; crds: string[] };
}

/** Every component at its pinned version. */
export const COMPONENTS: readonly Component[] = [
  {
    name: "contour",
    chart: "contour",
    repo: "https://charts.bitnami.com/bitnami",
    version: "20.0.3",
    namespace: "contour",
    ingress: {
      className: "contour",
      service: { namespace: "contour", name: "contour-envoy" },
      loadBalancerValues: { "envoy.service.type": "LoadBalancer" },
      hostPortValues: {
        "envoy.service.type": "NodePort",
        "envoy.useHostPort.http": "true",
        "envoy.useHostPort.https": "true",
      },
    },
    ready: { deployments: ["contour-contour"], crds: ["httpproxies.projectcontour.io"] },
  },
  {
    name: "ingress-nginx",
    chart: "ingress-nginx",
    repo: "https://kubernetes.github.io/ingress-nginx",
    version: "4.12.3",
    namespace: "ingress-nginx",
    ingress: {
      className: "nginx",
      service: { namespace: "ingress-nginx", name: "ingress-nginx-controller" },
      loadBalancerValues: { "controller.service.type": "LoadBalancer" },
      hostPortValues: {
        "controller.service.type": "NodePort",
        "controller.hostPort.enabled": "true",
      },
    },
    ready: { deployments: ["ingress-nginx-controller"], crds: [] },
  },
  {
    name: "traefik",
    chart: "traefik",
    repo: "https://traefik.github.io/charts",
    version: "35.4.0",
    namespace: "traefik",
    ingress: {
      className: "traefik",
      service: { namespace: "traefik", name: "traefik" },
      loadBalancerValues: { "service.type": "LoadBalancer" },
      hostPortValues: {
        "service.type": "NodePort",
        "ports.web.hostPort": "80",
        "ports.websecure.hostPort": "443",
      },
    },
    ready: { deployments: ["traefik"], crds: ["ingressroutes.traefik.io"] },
  },
  {
    name: "crossplane",
    chart: "crossplane",
    repo: "https://charts.crossplane.io/stable",
    version: "1.20.0",
    namespace: "crossplane-system",
    ready: {
      deployments: ["crossplane", "crossplane-rbac-manager"],
      crds: ["configurations.pkg.crossplane.io", "providers.pkg.crossplane.io"],
    },
  },
  {
    name: "external-secrets",
    chart: "external-secrets",
    repo: "https://charts.external-secrets.io",
    version: "0.18.2",
    namespace: "external-secrets",
    values: { installCRDs: "true" },
    ready: {
      deployments: ["external-secrets", "external-secrets-webhook"],
      crds: ["clustersecretstores.external-secrets.io", "externalsecrets.external-secrets.io"],
    },
  },
  {
    name: "atlas-operator",
    chart: "oci://ghcr.io/ariga/charts/atlas-operator",
    version: "0.7.11",
    namespace: "atlas-operator",
    ready: { deployments: ["atlas-operator"], crds: ["atlasschemas.db.atlasgo.io"] },
  },
];

/** Crossplane packages applied once Crossplane runs (the seed's dot-application and dot-sql). */
export const CROSSPLANE_CONFIGURATIONS = [
  { name: "crossplane-app", package: "xpkg.upbound.io/devops-toolkit/dot-application:v0.6.43" },
  { name: "crossplane-sql", package: "xpkg.upbound.io/devops-toolkit/dot-sql:v0.8.161" },
] as const;

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
