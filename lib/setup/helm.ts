/** helm, driven with argv arrays: is a release at its pinned version, install it, remove it. */
import { run, which } from "../run.ts";
import { chartArgs, type Component } from "./components.ts";

const BUNDLED = new URL("../../.cache/cluster/bin/helm", import.meta.url).pathname;

/** The helm binary: PLATFORM_HELM, helm on PATH, or the one ./denow task cluster:build made. */
export async function helmBinary(env: Record<string, string | undefined>): Promise<string> {
  return env.PLATFORM_HELM ?? (await which("helm", env)) ?? BUNDLED;
}

/** The argv that installs or upgrades a component and waits for it. */
export function installArgv(
  helm: string,
  component: Component,
  kubeconfig: string,
  chartsDir?: string,
): string[] {
  const sets = Object.entries(component.set ?? {}).flatMap((
    [key, value],
  ) => ["--set", `${key}=${value}`]);
  return [
    helm,
    "upgrade",
    "--install",
    component.name,
    ...chartArgs(component, chartsDir),
    "--namespace",
    component.namespace,
    "--create-namespace",
    "--wait",
    "--timeout",
    "10m",
    "--kubeconfig",
    kubeconfig,
    ...sets,
  ];
}

/** The argv that removes a component and waits for its resources to go. */
export function uninstallArgv(helm: string, component: Component, kubeconfig: string): string[] {
  return [
    helm,
    "uninstall",
    component.name,
    "--namespace",
    component.namespace,
    "--wait",
    "--kubeconfig",
    kubeconfig,
  ];
}

/** The chart (`name-version`) of a deployed release, or undefined when there is none. */
export async function deployedChart(
  helm: string,
  component: Component,
  kubeconfig: string,
  env: Record<string, string>,
) {
  const result = await run(
    [
      helm,
      "list",
      "--namespace",
      component.namespace,
      "--filter",
      `^${component.name}$`,
      "--output",
      "json",
      "--kubeconfig",
      kubeconfig,
    ],
    { env, what: `read the ${component.name} release` },
  );
  const releases = JSON.parse(result.stdout || "[]") as {
    name: string;
    chart: string;
    status: string;
  }[];
  const release = releases.find((item) =>
    item.name === component.name && item.status === "deployed"
  );
  return release?.chart;
}
