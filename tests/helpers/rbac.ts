/**
 * The usual developer on a shared cluster, for RBAC tests: a ServiceAccount
 * token with a Role in their own namespace and nothing cluster-wide, not
 * even `get namespaces`.
 *
 * @module
 */
import type { Kube } from "../../mod.ts";
import { writeKubeconfig } from "./cli.ts";

/** One RBAC rule. */
export interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** A namespace made by an admin, and a kubeconfig whose rights end there. */
export async function namespacedDeveloper(
  kube: Kube,
  user: string,
  extraRules: Rule[] = [],
): Promise<string> {
  await kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: user } });
  await kube.apply({
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "developer", namespace: user },
  });
  await kube.apply({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "developer", namespace: user },
    rules: [
      {
        apiGroups: ["", "apps", "networking.k8s.io", "coordination.k8s.io"],
        resources: [
          "deployments",
          "replicasets",
          "services",
          "pods",
          "pods/exec",
          "pods/portforward",
          "pods/log",
          "events",
          "ingresses",
          "leases",
        ],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
      },
      ...extraRules,
    ],
  });
  await kube.apply({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "developer", namespace: user },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "developer" },
    subjects: [{ kind: "ServiceAccount", name: "developer", namespace: user }],
  });
  const token = await kube.request<{ status: { token: string } }>(
    "POST",
    `/api/v1/namespaces/${user}/serviceaccounts/developer/token`,
    {
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: 1800 },
      },
    },
  );
  const current = (await kube.clientNode()).config.getCurrentCluster()!;
  const path = await writeKubeconfig(current.server, {
    token: token.status.token,
    caData: current.caData ?? btoa(await Deno.readTextFile(current.caFile!)),
  });
  // As a developer's kubeconfig usually is: its context names their namespace.
  const config = JSON.parse(await Deno.readTextFile(path));
  config.contexts[0].context.namespace = user;
  await Deno.writeTextFile(path, JSON.stringify(config));
  return path;
}
