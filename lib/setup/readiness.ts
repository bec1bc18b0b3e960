/**
 * Each component's own wait, after helm's: its CRDs Established (so the
 * next step can create objects of them) and its Deployments Available,
 * watched, with a progress line whenever what is seen changes.
 */
import type { Kube } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { conditionReadiness, deploymentReadiness, type Readiness, waitFor } from "../kube/wait.ts";
import type { Reporter } from "../progress.ts";
import type { Component } from "./components.ts";

/** Five minutes a piece: images are pulled by then, or something is wrong. */
const TIMEOUT_MS = 5 * 60_000;

/** Waits for a component's CRDs and Deployments; returns what was awaited, for the step line. */
export async function waitComponentReady(
  kube: Kube,
  component: Component,
  reporter: Reporter,
  timeoutMs = TIMEOUT_MS,
): Promise<string> {
  // Progress lines only while something is still coming: a ready component stays quiet.
  const quietWhenDone = (check: (object: KubeObject | undefined) => Readiness) => {
    let done = false;
    return {
      check: (object: KubeObject | undefined) => {
        const verdict = check(object);
        done = verdict.done;
        return verdict;
      },
      say: (text: string) => done || reporter.info(text),
    };
  };
  for (const crd of component.ready.crds) {
    const { check, say } = quietWhenDone(conditionReadiness("Established"));
    await waitFor(
      kube,
      { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: crd },
      {
        check,
        timeoutMs,
        what: `CRD ${crd} to be Established`,
        lookFurther: `kubectl get crd ${crd} -o yaml`,
        onProgress: (summary) => say(`${component.name}: CRD ${crd}: ${summary}`),
      },
    );
  }
  for (const name of component.ready.deployments) {
    const { check, say } = quietWhenDone(deploymentReadiness);
    await waitFor(
      kube,
      { apiVersion: "apps/v1", kind: "Deployment", namespace: component.namespace, name },
      {
        check,
        timeoutMs,
        what: `Deployment ${component.namespace}/${name} to be Available`,
        lookFurther: `kubectl -n ${component.namespace} describe deployment ${name}`,
        onProgress: (summary) => say(`${component.name}: ${name}: ${summary}`),
      },
    );
  }
  return readinessSummary(component);
}

/** What a component's wait covers, in words. */
export function readinessSummary(component: Component): string {
  const parts = [
    component.ready.deployments.length ? `${component.ready.deployments.join(", ")} Available` : "",
    component.ready.crds.length
      ? `${component.ready.crds.length} CRD${
        component.ready.crds.length > 1 ? "s" : ""
      } Established`
      : "",
  ].filter(Boolean);
  return parts.join(", ") || "nothing to wait for";
}

/**
 * Whether the cluster's nodes run containers. kwok's do not (pods only
 * look Running), so nothing an operator would do there ever happens, and
 * waiting for it would only time out.
 */
export async function runsContainers(kube: Kube): Promise<boolean> {
  const { items } = await kube.list("v1", "Node");
  return items.some((node) => node.metadata.annotations?.["kwok.x-k8s.io/node"] !== "fake");
}
