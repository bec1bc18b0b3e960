/**
 * Is the local cluster usable: the apiserver's /readyz and the kwok node's
 * Ready condition, on Deno's own fetch with the kubeconfig's client
 * certificate (no client library to load on the fast path). And the node
 * itself, which kwok then keeps Ready.
 *
 * @module
 */
import { PlatformError } from "../../../lib/errors.ts";
import { apiClient, type ApiResponse, request, type RequestOptions } from "./kube_api.ts";
import { clusterPaths, type LocalCluster } from "./local_cluster.ts";

/** The one kwok node a local cluster has. */
export const NODE_NAME = "kwok-node-0";

const FIELD_MANAGER = "platform-local-cluster";

/** One request with the admin client certificate; undefined when nothing answers. */
async function api(
  cluster: LocalCluster,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse | undefined> {
  const client = await apiClient(cluster.kubeconfigPath, clusterPaths(cluster).context);
  if (!client) return undefined;
  return await request(client, path, { timeoutMs: 3000, ...options });
}

/** True when the apiserver answers /readyz with ok. */
export async function apiReady(cluster: LocalCluster): Promise<boolean> {
  return (await api(cluster, "/readyz"))?.status === 200;
}

/** Node name to its Ready condition status ("True", "False", "Unknown"). */
export async function nodeReadiness(
  cluster: LocalCluster,
): Promise<Map<string, string> | undefined> {
  const response = await api(cluster, "/api/v1/nodes");
  if (response?.status !== 200) return undefined;
  const list = JSON.parse(response.body) as {
    items: {
      metadata: { name: string };
      status?: { conditions?: { type: string; status: string }[] };
    }[];
  };
  return new Map(
    list.items.map((node) => [
      node.metadata.name,
      node.status?.conditions?.find((c) => c.type === "Ready")?.status ?? "Unknown",
    ]),
  );
}

/** API ready and the node Ready: the cluster can run pods. */
export async function healthy(cluster: LocalCluster): Promise<boolean> {
  if (!(await apiReady(cluster))) return false;
  return (await nodeReadiness(cluster))?.get(NODE_NAME) === "True";
}

/** Creates (or leaves as it is) the kwok node, with server-side apply. */
export async function applyNode(cluster: LocalCluster): Promise<void> {
  // kwok's node-initialize stage fills in the status (conditions, capacity,
  // the kubelet endpoint that exec and port-forward go through); the
  // annotation is what kwok's stages and the sandboxer look for.
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: NODE_NAME,
      annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: {
        "kubernetes.io/hostname": NODE_NAME,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "node-role.kubernetes.io/agent": "",
        type: "kwok",
      },
    },
    spec: { podCIDR: "10.244.0.0/24" },
  };
  const response = await api(
    cluster,
    `/api/v1/nodes/${NODE_NAME}?fieldManager=${FIELD_MANAGER}&force=true`,
    { method: "PATCH", body: node, contentType: "application/apply-patch+yaml" },
  );
  if (!response || response.status >= 300) {
    throw new PlatformError(
      `could not create node ${NODE_NAME}: ${
        response ? `HTTP ${response.status} ${response.body}` : "the apiserver did not answer"
      }`,
      { hint: `look at the apiserver log in ${clusterPaths(cluster).logsDir}` },
    );
  }
}

/**
 * Deletes the node's Lease after a restart. kwok's controller holds it for
 * 200 s and a restarted controller waits for the old holder's (its own dead
 * predecessor's) to expire before it manages the node again: pods would stay
 * Pending for minutes. The new controller takes a fresh one at once.
 */
export async function releaseNodeLease(cluster: LocalCluster): Promise<void> {
  await api(
    cluster,
    `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE_NAME}`,
    {
      method: "DELETE",
    },
  );
}
