/**
 * A small Kubernetes REST client: @kubernetes/client-node supplies the
 * kubeconfig handling and authentication (certificates, tokens, exec
 * plugins); requests, errors and timeouts are ours, so every failure names
 * the server, the verb, the resource and the namespace, and carries a hint.
 *
 * client-node costs ~600 ms to import, so it is loaded lazily: commands
 * that never reach the cluster (--help, --dry-run) never pay for it.
 */
import { observeServerDate } from "./server_clock.ts";
import { PlatformError } from "../errors.ts";
import type { KubeObject, ObjectRef } from "./types.ts";
import { describeRef } from "./types.ts";

type ClientNode = typeof import("@kubernetes/client-node");
type Undici = typeof import("undici");

let modules: Promise<{ k8s: ClientNode; undici: Undici }> | undefined;

/** Loads client-node and undici once. */
export function loadClientModules(): Promise<{ k8s: ClientNode; undici: Undici }> {
  modules ??= Promise.all([import("@kubernetes/client-node"), import("undici")]).then((
    [k8s, undici],
  ) => ({ k8s, undici }));
  return modules;
}

/** How to reach a cluster. */
export interface ConnectOptions {
  /** Kubeconfig file(s); default $KUBECONFIG, then ~/.kube/config. */
  kubeconfig?: string;
  /** Context name; default the kubeconfig's current context. */
  context?: string;
  /** Milliseconds a request may take before it fails (default 15 s). */
  timeoutMs?: number;
  /** Check that the server answers before returning (default true). */
  verify?: boolean;
}

/** A discovered API resource. */
export interface ResourceInfo {
  group: string;
  version: string;
  apiVersion: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
  categories: string[];
}

/** What an apply did to one object. */
export type ApplyAction = "created" | "configured" | "unchanged";

/** Options of a single request. */
export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
  /** What the request is about, for error messages: verb, resource, namespace. */
  about?: { verb: string; resource: string; namespace?: string; name?: string };
  signal?: AbortSignal;
}

// Well-known kinds, so the common paths need no discovery round trip.
const KNOWN: Record<string, [plural: string, namespaced: boolean]> = {
  "v1/Namespace": ["namespaces", false],
  "v1/Pod": ["pods", true],
  "v1/Service": ["services", true],
  "v1/Secret": ["secrets", true],
  "v1/ConfigMap": ["configmaps", true],
  "v1/Event": ["events", true],
  "v1/ServiceAccount": ["serviceaccounts", true],
  "v1/Node": ["nodes", false],
  "apps/v1/Deployment": ["deployments", true],
  "apps/v1/ReplicaSet": ["replicasets", true],
  "apps/v1/StatefulSet": ["statefulsets", true],
  "networking.k8s.io/v1/Ingress": ["ingresses", true],
  "coordination.k8s.io/v1/Lease": ["leases", true],
  "apiextensions.k8s.io/v1/CustomResourceDefinition": ["customresourcedefinitions", false],
  "rbac.authorization.k8s.io/v1/Role": ["roles", true],
  "rbac.authorization.k8s.io/v1/RoleBinding": ["rolebindings", true],
  "rbac.authorization.k8s.io/v1/ClusterRole": ["clusterroles", false],
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": ["clusterrolebindings", false],
};

/** A connection to one cluster (one kubeconfig context). */
export class Kube {
  /** The API server URL. */
  readonly server: string;
  /** The kubeconfig context in use. */
  readonly context: string;
  /** The kubeconfig file(s) it came from, for messages. */
  readonly kubeconfigPath: string;
  readonly #k8s: ClientNode;
  readonly #undici: Undici;
  readonly #config: InstanceType<ClientNode["KubeConfig"]>;
  readonly #timeoutMs: number;
  readonly #resources = new Map<string, Promise<ResourceInfo[] | undefined>>();
  /** Number of requests sent, for the idle-traffic figure of sessions. */
  requestCount = 0;

  private constructor(
    k8s: ClientNode,
    undici: Undici,
    config: InstanceType<ClientNode["KubeConfig"]>,
    kubeconfigPath: string,
    timeoutMs: number,
  ) {
    this.#k8s = k8s;
    this.#undici = undici;
    this.#config = config;
    this.#timeoutMs = timeoutMs;
    this.kubeconfigPath = kubeconfigPath;
    this.context = config.getCurrentContext();
    this.server = config.getCurrentCluster()?.server ?? "";
  }

  /** The context's namespace, as kubectl picks it (default when the context names none). */
  get namespace(): string {
    return this.#config.getContextObject(this.context)?.namespace || "default";
  }

  /** The client-node KubeConfig, for exec, port-forward and logs. */
  get config(): InstanceType<ClientNode["KubeConfig"]> {
    return this.#config;
  }

  /** The loaded client-node module. */
  get k8s(): ClientNode {
    return this.#k8s;
  }

  /** Loads the kubeconfig, selects the context and (by default) checks the server answers. */
  static async connect(options: ConnectOptions = {}): Promise<Kube> {
    const path = resolveKubeconfigPath(options.kubeconfig);
    const { k8s, undici } = await loadClientModules();
    const config = new k8s.KubeConfig();
    try {
      config.loadFromFile(path);
    } catch (error) {
      throw new PlatformError(`cannot load kubeconfig ${path}: ${(error as Error).message}`, {
        hint: "check the file is a kubeconfig (kubectl --kubeconfig FILE config view)",
        cause: error,
      });
    }
    if (options.context) {
      if (!config.getContextObject(options.context)) {
        const known = config.getContexts().map((context) => context.name);
        throw new PlatformError(
          `context ${JSON.stringify(options.context)} is not in kubeconfig ${path}`,
          {
            hint: known.length
              ? `known contexts: ${known.join(", ")} (kubectl config get-contexts)`
              : "the kubeconfig has no contexts; run `platform setup` or point KUBECONFIG elsewhere",
          },
        );
      }
      config.setCurrentContext(options.context);
    }
    if (!config.getCurrentContext() || !config.getCurrentCluster()) {
      throw new PlatformError(`kubeconfig ${path} has no current context with a cluster`, {
        hint: "pass --context NAME, or run `kubectl config use-context NAME`",
      });
    }
    const kube = new Kube(k8s, undici, config, path, options.timeoutMs ?? 15_000);
    if (options.verify !== false) await kube.version(5_000);
    return kube;
  }

  /** The server's /version (also the connectivity check). */
  version(timeoutMs?: number): Promise<{ gitVersion: string; major: string; minor: string }> {
    return this.request("GET", "/version", {
      timeoutMs,
      about: { verb: "get", resource: "version" },
    });
  }

  /** Sends one request and returns the parsed JSON body; throws PlatformError on failure. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.#send(method, path, options);
    const text = await response.text();
    if (!response.ok) throw this.#httpError(method, path, response.status, text, options);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async #send(method: string, path: string, options: RequestOptions) {
    const url = new URL(this.server.replace(/\/$/, "") + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const context = new this.#k8s.RequestContext(url.toString(), method as never);
    await this.#config.applySecurityAuthentication(context);
    const headers: Record<string, string> = { ...context.getHeaders(), accept: "application/json" };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] = options.contentType ?? "application/json";
    }
    const timeout = AbortSignal.timeout(options.timeoutMs ?? this.#timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    this.requestCount++;
    try {
      const response = await this.#undici.fetch(url, {
        method,
        headers,
        body,
        dispatcher: context.getDispatcher() as never,
        signal,
      });
      observeServerDate(response.headers.get("date"));
      return response;
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw this.#networkError(error, timeout.aborted, options);
    }
  }

  /** Opens a streaming GET (watch, logs); the caller reads and closes the body. */
  async stream(path: string, options: RequestOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const response = await this.#send("GET", path, {
      ...options,
      timeoutMs: options.timeoutMs ?? 24 * 3600_000,
    });
    if (!response.ok || !response.body) {
      throw this.#httpError("GET", path, response.status, await response.text(), options);
    }
    return response.body as ReadableStream<Uint8Array>;
  }

  #networkError(error: unknown, timedOut: boolean, options: RequestOptions): PlatformError {
    const code = findCode(error);
    // undici says only "fetch failed"; the useful words are in the innermost cause.
    const detail = innermostMessage(error);
    const tls = /certificate|self[- ]signed|tls|ssl/i.test(`${code ?? ""} ${detail}`);
    const reason = timedOut
      ? `no answer within ${Math.round((options.timeoutMs ?? this.#timeoutMs) / 1000)} s`
      : code === "ECONNREFUSED"
      ? "connection refused"
      : code === "ENOTFOUND" || code === "EAI_AGAIN"
      ? "its host name does not resolve"
      : tls
      ? `TLS failed: ${detail}`
      : detail;
    const check = tls
      ? `check the cluster's certificate-authority in ${this.kubeconfigPath} (the server's certificate is not trusted by it)`
      : `check that the cluster is running and that ${this.kubeconfigPath} is the kubeconfig you mean ` +
        `(try: kubectl --kubeconfig ${this.kubeconfigPath} --context ${this.context} cluster-info); ` +
        "for the local cluster run ./denow task cluster:up, then `source .env`";
    return new PlatformError(
      `cannot reach the Kubernetes API server ${this.server} (context ${this.context}): ${reason}`,
      { hint: check, cause: error },
    );
  }

  #httpError(
    method: string,
    path: string,
    status: number,
    text: string,
    options: RequestOptions,
  ): PlatformError {
    const error = this.#describeHttpError(method, path, status, text, options);
    // Callers branch on the status (404 = absent, 403 = not allowed, 409 = exists).
    return Object.assign(error, { status });
  }

  #describeHttpError(
    method: string,
    path: string,
    status: number,
    text: string,
    options: RequestOptions,
  ) {
    let message = text.trim();
    let reason: string | undefined;
    try {
      const parsed = JSON.parse(text);
      if (parsed?.message) message = parsed.message;
      reason = parsed?.reason;
    } catch { /* not a Status object; keep the text */ }
    const about = options.about ?? { verb: method.toLowerCase(), resource: path };
    const where = about.namespace ? ` in namespace ${about.namespace}` : "";
    const target = `${about.resource}${about.name ? ` ${about.name}` : ""}`;
    if (status === 401) {
      return new PlatformError(
        `the API server ${this.server} rejected the credentials of context ${this.context} (401 Unauthorized)`,
        { hint: "log in again or refresh the kubeconfig's token or certificate" },
      );
    }
    if (status === 403) {
      return new PlatformError(
        `forbidden: ${about.verb} on ${target}${where} was refused by RBAC (context ${this.context}): ${message}`,
        {
          hint:
            `ask a cluster admin for a Role granting "${about.verb}" on ${about.resource}${where}; ` +
            `check with: kubectl auth can-i ${about.verb} ${about.resource}${
              about.namespace ? ` -n ${about.namespace}` : ""
            }`,
        },
      );
    }
    return new PlatformError(
      `${about.verb} ${target}${where} failed: ${message || `HTTP ${status}`}${
        reason ? ` (${reason})` : ""
      }`,
      {
        hint: status === 422
          ? "the server refused the object as invalid; render it with --dry-run -o yaml to inspect it"
          : status === 404
          ? "it does not exist, or its kind is not installed in this cluster (platform setup installs the platform's kinds)"
          : status === 409
          ? "someone else changed it at the same time, or it already exists; run the command again"
          : undefined,
      },
    );
  }

  /** Discovers the resources of one group version (cached); undefined if not served. */
  resourcesOf(apiVersion: string): Promise<ResourceInfo[] | undefined> {
    let cached = this.#resources.get(apiVersion);
    if (!cached) {
      cached = this.#discover(apiVersion);
      this.#resources.set(apiVersion, cached);
    }
    return cached;
  }

  async #discover(apiVersion: string): Promise<ResourceInfo[] | undefined> {
    const path = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    try {
      const list = await this.request<{ resources: Record<string, unknown>[] }>("GET", path, {
        about: { verb: "get", resource: `API group ${apiVersion}` },
      });
      return list.resources
        .filter((resource) => !String(resource.name).includes("/"))
        .map((resource) => ({
          group,
          version,
          apiVersion,
          kind: String(resource.kind),
          plural: String(resource.name),
          singular: String(resource.singularName || String(resource.kind).toLowerCase()),
          namespaced: Boolean(resource.namespaced),
          shortNames: (resource.shortNames as string[] | undefined) ?? [],
          verbs: (resource.verbs as string[] | undefined) ?? [],
          categories: (resource.categories as string[] | undefined) ?? [],
        }));
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }

  /** Plural name and scope of a kind; throws a clear error when the cluster does not serve it. */
  async resourceFor(
    apiVersion: string,
    kind: string,
  ): Promise<{ plural: string; namespaced: boolean }> {
    const known = KNOWN[`${apiVersion}/${kind}`];
    if (known) return { plural: known[0], namespaced: known[1] };
    const found = (await this.resourcesOf(apiVersion))?.find((resource) => resource.kind === kind);
    if (!found) {
      throw new PlatformError(
        `the cluster (context ${this.context}) does not serve ${kind} of ${apiVersion}`,
        {
          hint:
            `install the component that defines it (platform setup does), or check with: kubectl api-resources --api-group=${
              apiVersion.split("/")[0]
            }`,
        },
      );
    }
    return { plural: found.plural, namespaced: found.namespaced };
  }

  /** The URL path of an object (or of its collection when name is omitted). */
  async pathOf(
    ref: { apiVersion: string; kind: string; namespace?: string; name?: string },
  ): Promise<string> {
    const { plural, namespaced } = await this.resourceFor(ref.apiVersion, ref.kind);
    const base = ref.apiVersion.includes("/")
      ? `/apis/${ref.apiVersion}`
      : `/api/${ref.apiVersion}`;
    const ns = namespaced && ref.namespace
      ? `/namespaces/${encodeURIComponent(ref.namespace)}`
      : "";
    return `${base}${ns}/${plural}${ref.name ? `/${encodeURIComponent(ref.name)}` : ""}`;
  }

  /** Reads one object; undefined when it does not exist. */
  async get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    const path = await this.pathOf(ref);
    try {
      return await this.request<T>("GET", path, { about: aboutRef("get", ref) });
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }

  /** Lists objects of a kind, optionally in one namespace and by label selector. */
  async list<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    options: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const path = await this.pathOf({ apiVersion, kind, namespace: options.namespace });
    const list = await this.request<{ items: T[]; metadata: { resourceVersion: string } }>(
      "GET",
      path,
      {
        query: { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector },
        about: { verb: "list", resource: kind, namespace: options.namespace },
      },
    );
    // Lists omit apiVersion and kind on items; put them back so callers can use refOf().
    const items = list.items.map((item) => ({ ...item, apiVersion, kind }));
    return { items, resourceVersion: list.metadata.resourceVersion };
  }

  /**
   * Server-side apply with field manager `platform`. Reports created,
   * configured or unchanged by comparing resourceVersions, so a second
   * identical apply is visibly a no-op.
   */
  async apply<T extends KubeObject = KubeObject>(
    object: KubeObject,
    options: { fieldManager?: string; force?: boolean } = {},
  ): Promise<{ object: T; action: ApplyAction }> {
    const ref = {
      ...object,
      name: object.metadata.name ?? "",
      namespace: object.metadata.namespace,
    };
    const before = await this.get(ref);
    const path = await this.pathOf(ref);
    const applied = await this.request<T>("PATCH", path, {
      query: { fieldManager: options.fieldManager ?? "platform", force: options.force ?? true },
      body: object,
      contentType: "application/apply-patch+yaml",
      about: aboutRef("patch", ref),
    });
    const action: ApplyAction = !before
      ? "created"
      : before.metadata.resourceVersion === applied.metadata.resourceVersion
      ? "unchanged"
      : "configured";
    return { object: applied, action };
  }

  /** Merge-patches an object (scale, annotations); returns the result. */
  async mergePatch<T extends KubeObject = KubeObject>(ref: ObjectRef, patch: unknown): Promise<T> {
    return this.request<T>("PATCH", await this.pathOf(ref), {
      body: patch,
      contentType: "application/merge-patch+json",
      about: aboutRef("patch", ref),
    });
  }

  /** Creates an object; fails with status 409 when it exists. */
  async create<T extends KubeObject = KubeObject>(object: KubeObject): Promise<T> {
    const ref = { ...object, name: "", namespace: object.metadata.namespace };
    return this.request<T>("POST", await this.pathOf(ref), {
      body: object,
      query: { fieldManager: "platform" },
      about: aboutRef("create", { ...ref, name: object.metadata.name ?? "" }),
    });
  }

  /** Deletes an object (foreground propagation); returns false if it was already gone. */
  async delete(
    ref: ObjectRef,
    options: { propagation?: "Foreground" | "Background" } = {},
  ): Promise<boolean> {
    try {
      await this.request("DELETE", await this.pathOf(ref), {
        body: {
          kind: "DeleteOptions",
          apiVersion: "v1",
          propagationPolicy: options.propagation ?? "Background",
        },
        about: aboutRef("delete", ref),
      });
      return true;
    } catch (error) {
      if ((error as { status?: number }).status === 404) return false;
      throw error;
    }
  }
}

function aboutRef(verb: string, ref: ObjectRef) {
  return { verb, resource: ref.kind, namespace: ref.namespace, name: ref.name };
}

function innermostMessage(error: unknown): string {
  let current = error as { message?: string; cause?: unknown } | undefined;
  let message = String((current as Error)?.message ?? error);
  for (let depth = 0; current && depth < 6; depth++) {
    if (current.message) message = current.message;
    current = current.cause as typeof current;
  }
  return message;
}

function findCode(error: unknown): string | undefined {
  let current = error as { code?: string; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 6; depth++) {
    if (typeof current.code === "string") return current.code;
    current = current.cause as typeof current;
  }
  return undefined;
}

/**
 * The kubeconfig file to load: the given path, else the first file of
 * $KUBECONFIG, else ~/.kube/config. Fails with a hint when none exists.
 */
export function resolveKubeconfigPath(given?: string): string {
  const candidates = given
    ? [given]
    : Deno.env.get("KUBECONFIG")
    ? Deno.env.get("KUBECONFIG")!.split(":").filter(Boolean)
    : [`${Deno.env.get("HOME") ?? ""}/.kube/config`];
  for (const candidate of candidates) {
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch { /* try the next one */ }
  }
  throw new PlatformError(`no kubeconfig found (looked at ${candidates.join(", ")})`, {
    hint:
      "run `platform setup` (or ./denow task cluster:up for the local cluster) and `source .env`, " +
      "or pass --kubeconfig FILE",
  });
}

/** Formats an object reference for messages (re-exported for callers). */
export { describeRef };
