/**
 * `get resource-types`, `get resources` and `describe resource`: the
 * platform's own API kinds (the devopstoolkit.live group by default) and
 * the objects of any kind, with conditions and the tree they own or compose.
 */
import { isNotFound, PlatformError } from "./errors.ts";
import type { Kube, ResourceInfo } from "./kube/client.ts";
import type { Condition, KubeObject } from "./kube/types.ts";
import { conditionsOf, findCondition } from "./kube/types.ts";
import { compositionRole } from "./crossplane/objects.ts";
import { compositionTree } from "./crossplane/tree.ts";
import { nodeOf, type TreeNode } from "./tree.ts";

export { treeLines, type TreeNode } from "./tree.ts";
import { formatAge } from "./progress.ts";
import { connectFrom } from "./connect.ts";
import { discoveryCacheDir, readDiscovery, writeDiscovery } from "./kube/discovery_cache.ts";
import type { DevCommandOptions } from "./dev/target.ts";

/** A row of `get resource-types`. */
export interface ResourceTypeRow {
  name: string;
  kind: string;
  group: string;
  version: string;
  namespaced: boolean;
  shortNames: string[];
}

function inGroups(group: string, wanted: string[]): boolean {
  return wanted.some((name) => group === name || group.endsWith(`.${name}`));
}

/** The platform's own resource types (the configured API groups). */
export async function getResourceTypes(
  options: DevCommandOptions = {},
): Promise<ResourceTypeRow[]> {
  const { settings, kube } = await connectFrom(options);
  const all = await kube.allResources();
  // Always asked (this lists what the cluster serves now), and kept for get and describe.
  const cacheDir = discoveryCacheDir(options.env ?? Deno.env.toObject());
  if (cacheDir) await writeDiscovery(cacheDir, kube.server, all);
  const resources = all.filter((resource) => inGroups(resource.group, settings.resourceGroups));
  return resources
    .map((resource) => ({
      name: resource.plural,
      kind: resource.kind,
      group: resource.group,
      version: resource.version,
      namespaced: resource.namespaced,
      shortNames: resource.shortNames,
    }))
    .sort((a, b) => a.group.localeCompare(b.group) || a.name.localeCompare(b.name));
}

/**
 * Finds a resource type by plural, singular, kind, short name or
 * `plural.group`; the platform's groups win over the rest of the cluster.
 */
export async function resolveResourceType(
  kube: Kube,
  type: string,
  platformGroups: string[],
  /**
   * Where discovery is kept between runs (lib/kube/discovery_cache.ts; no dir: always ask);
   * `fresh` asks the server whatever the cache holds, and keeps its answer.
   */
  cache: { dir?: string; fresh?: boolean } = {},
): Promise<ResourceInfo & { cached?: true }> {
  const wanted = type.toLowerCase();
  const matches = (resource: ResourceInfo) =>
    [resource.plural, resource.singular, resource.kind.toLowerCase(), ...resource.shortNames]
      .includes(wanted) ||
    `${resource.plural}.${resource.group}` === wanted ||
    `${resource.kind.toLowerCase()}.${resource.group}` === wanted;
  const pick = (all: ResourceInfo[]) =>
    all.find((resource) => inGroups(resource.group, platformGroups) && matches(resource)) ??
      all.find(matches);
  if (cache.dir && !cache.fresh) {
    // A type missing from the cached answer may be new: then the server is asked.
    const cached = await readDiscovery(cache.dir, kube.server);
    const hit = cached && pick(cached);
    if (hit) {
      kube.adoptResources(cached);
      return { ...hit, cached: true };
    }
  }
  const all = await kube.allResources();
  if (cache.dir) await writeDiscovery(cache.dir, kube.server, all);
  const found = pick(all);
  if (found) return found;
  throw new PlatformError(
    `the cluster (context ${kube.context}) has no resource type ${JSON.stringify(type)}`,
    {
      hint:
        "list the platform's types with: platform get resource-types (or kubectl api-resources)",
      exitCode: 2,
    },
  );
}

/** A row of `get resources`. */
export interface ResourceRow {
  name: string;
  namespace?: string;
  kind: string;
  ready: string;
  synced: string;
  age: string;
}

/** Options of get and describe. */
export interface ResourceOptions extends DevCommandOptions {
  namespace?: string;
  allNamespaces?: boolean;
  /** A connection to use instead of a new one (tests count its requests). */
  kube?: Kube;
}

/** Where discovery is kept between runs, for the environment of `options`. */
function cacheDirOf(options: ResourceOptions): string | undefined {
  return discoveryCacheDir(options.env ?? Deno.env.toObject());
}

/** Objects of one type in a namespace (default: `default`), or in all. */
export async function getResources(
  type: string,
  options: ResourceOptions = {},
): Promise<ResourceRow[]> {
  const { settings, kube } = await connectFrom(options);
  const cacheDir = cacheDirOf(options);
  const listOf = async (resource: ResourceInfo) => {
    const namespace = resource.namespaced && !options.allNamespaces
      ? options.namespace ?? "default"
      : undefined;
    return (await kube.list(resource.apiVersion, resource.kind, { namespace })).items;
  };
  let resource = await resolveResourceType(kube, type, settings.resourceGroups, { dir: cacheDir });
  let items: KubeObject[];
  try {
    items = await listOf(resource);
  } catch (error) {
    // A type from the cache that the cluster no longer serves: ask it, then list again.
    if (!resource.cached || !isNotFound(error)) throw error;
    resource = await resolveResourceType(kube, type, settings.resourceGroups, {
      dir: cacheDir,
      fresh: true,
    });
    items = await listOf(resource);
  }
  return items.map((item) => ({
    name: item.metadata.name ?? "",
    ...(resource.namespaced ? { namespace: item.metadata.namespace } : {}),
    kind: resource.kind,
    ready: findCondition(item, "Ready")?.status ?? findCondition(item, "Available")?.status ?? "",
    synced: findCondition(item, "Synced")?.status ?? "",
    age: formatAge(item.metadata.creationTimestamp),
  }));
}

/** The record of `describe resource`. */
export interface ResourceDescription {
  kind: string;
  apiVersion: string;
  name: string;
  namespace?: string;
  age: string;
  labels: Record<string, string>;
  conditions: { type: string; status: string; reason: string; message: string; age: string }[];
  /** The object and what it owns or composes, indented. */
  tree: TreeNode;
  object: KubeObject;
}

/** An object with its conditions and the tree of objects it owns or composes. */
export async function describeResource(
  type: string,
  name: string,
  options: ResourceOptions = {},
): Promise<ResourceDescription> {
  const { settings, kube } = await connectFrom(options);
  const cacheDir = cacheDirOf(options);
  const read = (resource: ResourceInfo) =>
    kube.get({
      apiVersion: resource.apiVersion,
      kind: resource.kind,
      name,
      namespace: resource.namespaced ? options.namespace ?? "default" : undefined,
    });
  let resource = await resolveResourceType(kube, type, settings.resourceGroups, { dir: cacheDir });
  let object = await read(resource);
  if (!object && resource.cached) {
    // Not found by a type from the cache: the type may be gone or changed; ask the server.
    resource = await resolveResourceType(kube, type, settings.resourceGroups, {
      dir: cacheDir,
      fresh: true,
    });
    object = await read(resource);
  }
  const namespace = resource.namespaced ? options.namespace ?? "default" : undefined;
  if (!object) {
    throw new PlatformError(
      `${resource.kind} ${name} not found${
        namespace ? ` in namespace ${namespace}` : ""
      } (context ${kube.context})`,
      {
        hint: `list them with: platform get resources ${resource.plural}${
          namespace ? ` -n ${namespace}` : ""
        }`,
      },
    );
  }
  // A claim or composite: the tree Crossplane's labels describe; anything else: ownerReferences.
  const tree = compositionRole(object)
    ? await compositionTree(kube, object)
    : await treeOf(kube, object, { seen: new Set(), lists: new Map() }, 0);
  return {
    kind: resource.kind,
    apiVersion: resource.apiVersion,
    name,
    namespace,
    age: formatAge(object.metadata.creationTimestamp),
    labels: object.metadata.labels ?? {},
    conditions: conditionsOf(object).map(conditionRow),
    tree,
    object,
  };
}

function conditionRow(condition: Condition) {
  return {
    type: condition.type,
    status: condition.status,
    reason: condition.reason ?? "",
    message: condition.message ?? "",
    age: formatAge(condition.lastTransitionTime),
  };
}

// Kinds searched for children by ownerReference within the parent's namespace.
const CHILD_KINDS = [
  { apiVersion: "apps/v1", kind: "Deployment" },
  { apiVersion: "apps/v1", kind: "ReplicaSet" },
  { apiVersion: "v1", kind: "Pod" },
  { apiVersion: "v1", kind: "Service" },
  { apiVersion: "networking.k8s.io/v1", kind: "Ingress" },
  { apiVersion: "v1", kind: "Secret" },
  { apiVersion: "batch/v1", kind: "Job" },
];

// What one describe has read: visited uids, and each (namespace, kind) list read once.
interface Walk {
  seen: Set<string>;
  lists: Map<string, Promise<KubeObject[]>>;
}

async function treeOf(
  kube: Kube,
  object: KubeObject,
  walk: Walk,
  depth: number,
): Promise<TreeNode> {
  const node = nodeOf(object);
  const uid = object.metadata.uid ?? "";
  if (walk.seen.has(uid) || depth > 6) return node;
  walk.seen.add(uid);
  const children = await childrenOf(kube, object, walk);
  node.children.push(
    ...await Promise.all(children.map((child) => treeOf(kube, child, walk, depth + 1))),
  );
  return node;
}

/** What `object` owns (ownerReferences), among {@link CHILD_KINDS} in its namespace. */
async function childrenOf(kube: Kube, object: KubeObject, walk: Walk): Promise<KubeObject[]> {
  const namespace = object.metadata.namespace;
  if (!namespace) return [];
  const lists = await Promise.all(CHILD_KINDS.map((kind) => {
    const key = `${namespace}/${kind.apiVersion}/${kind.kind}`;
    if (!walk.lists.has(key)) {
      walk.lists.set(
        key,
        kube.list(kind.apiVersion, kind.kind, { namespace }).then((list) => list.items),
      );
    }
    return walk.lists.get(key)!;
  }));
  return lists.flat().filter((item) =>
    item.metadata.ownerReferences?.some((owner) => owner.uid === object.metadata.uid)
  );
}
