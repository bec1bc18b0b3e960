/** helm, driven with argv arrays: is a release at its pinned version, install it, remove it. */
import { run, which } from "../run.ts";
import { chartArgs, type Component, pinnedChart } from "./components.ts";

const BUNDLED = new URL("../../.cache/cluster/bin/helm", import.meta.url).pathname;

/** Where helm talks to: a kubeconfig file and, optionally, one of its contexts. */
export interface HelmTarget {
  helm: string;
  kubeconfig: string;
  kubeContext?: string;
}

/** The helm binary: PLATFORM_HELM, helm on PATH, or the one ./denow task cluster:build made. */
export async function helmBinary(env: Record<string, string | undefined>): Promise<string> {
  return env.PLATFORM_HELM ?? (await which("helm", env)) ?? BUNDLED;
}

function targetArgs(target: HelmTarget): string[] {
  return [
    "--kubeconfig",
    target.kubeconfig,
    ...(target.kubeContext ? ["--kube-context", target.kubeContext] : []),
  ];
}

/** The argv that installs or upgrades a component at its pinned version and waits for it. */
export function installArgv(
  target: HelmTarget,
  component: Component,
  options: { values?: Record<string, string>; chartsDir?: string } = {},
): string[] {
  const sets = Object.entries(options.values ?? {}).flatMap((
    [key, value],
  ) => ["--set", `${key}=${value}`]);
  return [
    target.helm,
    "upgrade",
    "--install",
    component.name,
    ...chartArgs(component, options.chartsDir),
    // helm ignores --version for a local chart directory; the stand-ins carry the pinned
    // version, which isPinned() then checks.
    "--version",
    component.version,
    "--namespace",
    component.namespace,
    "--create-namespace",
    "--wait",
    "--timeout",
    "10m",
    ...targetArgs(target),
    ...sets,
  ];
}

/** The argv that removes a component and waits for its resources to go. */
export function uninstallArgv(target: HelmTarget, component: Component): string[] {
  return [
    target.helm,
    "uninstall",
    component.name,
    "--namespace",
    component.namespace,
    "--wait",
    "--timeout",
    "10m",
    ...targetArgs(target),
  ];
}

/** A release as `helm list` shows it. */
export interface Release {
  name: string;
  chart: string;
  status: string;
}

/** The release of a component, in any state, or undefined when there is none. */
export async function releaseOf(
  target: HelmTarget,
  component: Component,
  env: Record<string, string>,
): Promise<Release | undefined> {
  const result = await run(
    [
      target.helm,
      "list",
      "--all",
      "--namespace",
      component.namespace,
      "--filter",
      `^${component.name}$`,
      "--output",
      "json",
      ...targetArgs(target),
    ],
    { env, what: `read the ${component.name} release` },
  );
  const releases = JSON.parse(result.stdout || "[]") as Release[];
  return releases.find((item) => item.name === component.name);
}

/** Whether a release is deployed at the component's pinned chart version. */
export function isPinned(release: Release | undefined, component: Component): boolean {
  return release?.status === "deployed" && release.chart === pinnedChart(component);
}
