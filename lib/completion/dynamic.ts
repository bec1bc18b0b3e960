/**
 * Values a completion script cannot know by itself: contexts from the
 * kubeconfig, and namespaces, users and resource types from the cluster.
 * Everything here is bounded by a short timeout and yields nothing on any
 * failure: a prompt never shows an error.
 */
import { LABELS, MANAGED_SELECTOR } from "../identity.ts";
import type { Kube } from "../kube/client.ts";
import { loadSettings, type Settings } from "../settings.ts";
import type { DynamicSource } from "./tree.ts";
import { lazy } from "../lazy.ts";

/** Where to look: the flags already on the command line, and the process's environment. */
export interface DynamicOptions {
  kubeconfig?: string;
  context?: string;
  config?: string;
  env: Record<string, string | undefined>;
  cwd: string;
  /** The whole lookup's budget (default 1500 ms). */
  timeoutMs?: number;
}

/** The namespace `platform setup` keeps for the staging app: not a developer. */
const STAGING = "staging";

/** The values of `source`, sorted; [] on a timeout or any error. */
export async function dynamicValues(
  source: DynamicSource,
  options: DynamicOptions,
): Promise<string[]> {
  const budget = options.timeoutMs ?? 1500;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve([]), budget);
  });
  try {
    const values = await Promise.race([lookup(source, options, budget), timeout]);
    return [...new Set(values)].filter(Boolean).sort();
  } catch {
    return [];
  } finally {
    clearTimeout(timer);
  }
}

async function settingsOf(options: DynamicOptions): Promise<Settings> {
  return await loadSettings({
    flags: { kubeconfig: options.kubeconfig, context: options.context, config: options.config },
    env: options.env,
    cwd: options.cwd,
  });
}

async function lookup(
  source: DynamicSource,
  options: DynamicOptions,
  budget: number,
): Promise<string[]> {
  const settings = await settingsOf(options);
  if (source === "contexts") return await contextsOf(settings, options);
  const quick = await quickValues(source, settings, options, budget);
  if (quick) return quick;
  if (source === "resource-types") return await resourceTypesOf(settings, options);
  const { Kube } = await lazy<typeof import("../kube/client.ts")>(
    "../kube/client.ts",
    import.meta.url,
  );
  const kube = await Kube.connect({
    kubeconfig: settings.kubeconfig,
    context: settings.context,
    timeoutMs: budget,
    verify: false,
  });
  if (source === "users") return await usersOf(kube);
  return (await kube.list("v1", "Namespace")).items.map((item) => item.metadata.name ?? "");
}

/** Through {@link quickGet}: undefined when the kubeconfig needs the full client. */
async function quickValues(
  source: Exclude<DynamicSource, "contexts">,
  settings: Settings,
  options: DynamicOptions,
  budget: number,
): Promise<string[] | undefined> {
  const { readKubeconfigs } = await lazy<typeof import("../kube/kubeconfig.ts")>(
    "../kube/kubeconfig.ts",
    import.meta.url,
  );
  const { quickGet } = await lazy<typeof import("./quick_kube.ts")>(
    "./quick_kube.ts",
    import.meta.url,
  );
  const { document } = readKubeconfigs(settings.kubeconfig, options);
  type List = { items?: { metadata?: { name?: string; labels?: Record<string, string> } }[] };
  const get = (url: string) => quickGet(document, settings.context, url, budget);
  if (source === "namespaces") {
    const list = await get("/api/v1/namespaces") as List | undefined;
    return list?.items?.map((item) => item.metadata?.name ?? "");
  }
  if (source === "users") {
    const list = await get(
      `/api/v1/namespaces?labelSelector=${encodeURIComponent(MANAGED_SELECTOR)}`,
    ) as List | undefined;
    return list?.items
      ?.map((item) => item.metadata?.labels?.[LABELS.user] ?? item.metadata?.name ?? "")
      .filter((name) => name !== STAGING);
  }
  type Groups = { groups?: { name: string; preferredVersion: { groupVersion: string } }[] };
  const groups = await get("/apis") as Groups | undefined;
  if (!groups) return undefined;
  const wanted = (groups.groups ?? []).filter((group) =>
    settings.resourceGroups.some((name) => group.name === name || group.name.endsWith(`.${name}`))
  );
  const lists = await Promise.all(
    wanted.map((group) =>
      get(`/apis/${group.preferredVersion.groupVersion}`) as Promise<
        { resources?: { name: string }[] } | undefined
      >
    ),
  );
  return lists.flatMap((list) =>
    (list?.resources ?? []).map((resource) => resource.name).filter((name) => !name.includes("/"))
  );
}

/** Context names of the kubeconfig files in play (KUBECONFIG may list several). */
async function contextsOf(settings: Settings, options: DynamicOptions): Promise<string[]> {
  const { readKubeconfigs } = await lazy<typeof import("../kube/kubeconfig.ts")>(
    "../kube/kubeconfig.ts",
    import.meta.url,
  );
  const { document } = readKubeconfigs(settings.kubeconfig, options);
  return (document.contexts ?? []).map((context) => String(context.name ?? ""));
}

/** Developers: the user label (or the name) of the namespaces platform manages. */
async function usersOf(kube: Kube): Promise<string[]> {
  const { items } = await kube.list("v1", "Namespace", { labelSelector: MANAGED_SELECTOR });
  return items
    .map((item) => item.metadata.labels?.[LABELS.user] ?? item.metadata.name ?? "")
    .filter((name) => name !== STAGING);
}

async function resourceTypesOf(settings: Settings, options: DynamicOptions): Promise<string[]> {
  const { getResourceTypes } = await lazy<typeof import("../resources.ts")>(
    "../resources.ts",
    import.meta.url,
  );
  const rows = await getResourceTypes({
    flags: { kubeconfig: settings.kubeconfig, context: settings.context, config: options.config },
    env: options.env,
    cwd: options.cwd,
  });
  return rows.map((row) => row.name);
}
