/**
 * The platform's components, pinned in one table. Each is a helm release
 * installed with `helm upgrade --install --version <pinned> --wait`.
 * PLATFORM_CHARTS_DIR replaces every chart with `<dir>/<chart name>`
 * (chart repositories are unreachable on our build machines; tests use
 * stand-in charts kept in tests/fixtures/charts).
 */

/** A helm-installed component. */
export interface Component {
  /** Name used by --components and the release name. */
  name: string;
  chart: string;
  /** Chart repository URL, or undefined for an oci:// chart reference. */
  repo?: string;
  version: string;
  namespace: string;
  /** Extra `--set` values. */
  set?: Record<string, string>;
  /** Only installed when this ingress class is chosen. */
  ingressClass?: string;
}

/** Every component at its pinned version. */
export const COMPONENTS: readonly Component[] = [
  {
    name: "contour",
    chart: "contour",
    repo: "https://charts.bitnami.com/bitnami",
    version: "20.0.3",
    namespace: "contour",
    set: { "envoy.service.type": "LoadBalancer" },
    ingressClass: "contour",
  },
  {
    name: "ingress-nginx",
    chart: "ingress-nginx",
    repo: "https://kubernetes.github.io/ingress-nginx",
    version: "4.12.3",
    namespace: "ingress-nginx",
    ingressClass: "nginx",
  },
  {
    name: "traefik",
    chart: "traefik",
    repo: "https://traefik.github.io/charts",
    version: "35.4.0",
    namespace: "traefik",
    ingressClass: "traefik",
  },
  {
    name: "crossplane",
    chart: "crossplane",
    repo: "https://charts.crossplane.io/stable",
    version: "1.20.0",
    namespace: "crossplane-system",
  },
  {
    name: "external-secrets",
    chart: "external-secrets",
    repo: "https://charts.external-secrets.io",
    version: "0.18.2",
    namespace: "external-secrets",
    set: { installCRDs: "true" },
  },
  {
    name: "atlas-operator",
    chart: "oci://ghcr.io/ariga/charts/atlas-operator",
    version: "0.7.11",
    namespace: "atlas-operator",
  },
];

/** Crossplane packages applied once Crossplane runs (the seed's dot-application and dot-sql). */
export const CROSSPLANE_CONFIGURATIONS = [
  { name: "crossplane-app", package: "xpkg.upbound.io/devops-toolkit/dot-application:v0.6.43" },
  { name: "crossplane-sql", package: "xpkg.upbound.io/devops-toolkit/dot-sql:v0.8.161" },
] as const;

/** Ingress classes setup can install. */
export const INGRESS_CLASSES = ["contour", "nginx", "traefik"] as const;

/** Component names --components accepts (besides the ingress controllers, chosen by --ingress). */
export const COMPONENT_NAMES: readonly string[] = COMPONENTS.filter((c) => !c.ingressClass).map((
  c,
) => c.name);

/** The components to install for an ingress class and a selection (default: all). */
export function selectComponents(ingressClass: string, selection?: string[]): Component[] {
  return COMPONENTS.filter((component) =>
    component.ingressClass
      ? component.ingressClass === ingressClass
      : !selection || selection.includes(component.name)
  );
}

/** The chart reference and version flags for helm, honouring PLATFORM_CHARTS_DIR. */
export function chartArgs(component: Component, chartsDir?: string): string[] {
  if (chartsDir) return [`${chartsDir}/${component.name}`];
  const args = component.repo ? [component.chart, "--repo", component.repo] : [component.chart];
  return [...args, "--version", component.version];
}
