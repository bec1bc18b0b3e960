/**
 * A small Kubernetes REST client: @kubernetes/client-node supplies the
 * kubeconfig handling and authentication (certificates, tokens, exec
 * plugins); requests, errors and timeouts are ours, so every failure names
 * the server, the verb, the resource and the namespace, and carries a hint.
 *
 * client-node costs 430–500 ms to import, so it is loaded lazily: commands
 * that never reach the cluster (--help, --dry-run) never pay for it, and
 * for kubeconfigs the REST fast path serves (rest.ts: CA, client
 * certificate, token) requests go over Deno's own fetch and client-node is
 * loaded only for exec and port-forward ({@link Kube.clientNode}).
 */
import { observeServerDate } from "./server_clock.ts";
import { type ErrorReason, isNotFound, PlatformError } from "../errors.ts";
import { KUBECONFIG_SEPARATOR, type LoadedKubeconfig, readKubeconfigs } from "./kubeconfig.ts";
import { RestConnection } from "./rest.ts";
import { classifyStatus, namespaceTerminatingHint, parseStatus } from "./status.ts";
import type { KubeObject, ObjectRef } from "./types.ts";
import { describeRef } from "./types.ts";
import { lazyPackage } from "../lazy.ts";

type ClientNode = typeof import("@kubernetes/client-node");
type Undici = typeof import("undici");

let modules: Promise<{ k8s: ClientNode; undici: Undici }> | undefined;

/** Loads client-node and undici once. */
export function loadClientModules(): Promise<{ k8s: ClientNode; undici: Undici }> {
  modules ??= Promise.all([
    lazyPackage<ClientNode>("@kubernetes/client-node"),
    lazyPackage<Undici>("undici"),
  ]).then(([k8s, undici]) => ({ k8s, undici }));
  return modules;
}

/** client-node, its fetch and the kubeconfig it loaded: what exec and port-forward need. */
export interface NodeClient {
  k8s: ClientNode;
  undici: Undici;
  config: InstanceType<ClientNode["KubeConfig"]>;
}

/** client-node with the merged kubeconfig loaded and `context` selected. */
async function nodeClientFor(document: unknown, context: string): Promise<NodeClient> {
  const { k8s, undici } = await loadClientModules();
  const config = new k8s.KubeConfig();
  config.loadFromString(JSON.stringify(document));
  config.setCurrentContext(context);
  return { k8s, undici, config };
}

/** How to reach a cluster. */
export interface ConnectOptions {
  /**
   * Kubeconfig file(s), a KUBECONFIG-style list merged as kubectl merges it;
   * default $KUBECONFIG, then ~/.kube/config.
   */
  kubeconfig?: string;
  /** Context name; default the kubeconfig's current context. */
  context?: string;
  /** Milliseconds a request may take before it fails (default 15 s). */
  timeoutMs?: number;
  /**
   * Check that the server answers before returning (default true). `lazy`:
   * return at once and check beside the first requests, a round trip less
   * for every verb (the check and the reads share the connection). Reads go
   * out at once and a failed one reports the check's error when the check
   * failed too (unreachable, not Kubernetes, credentials refused); a change
   * waits for the check. A certificate rustls refuses moves the connection
   * to client-node, and the request goes again, as an eager check would
   * have moved it before the first request.
   */
  verify?: boolean | "lazy";
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

/** The media type of aggregated discovery (apidiscovery.k8s.io/v2). */
const AGGREGATED_DISCOVERY = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/** An aggregated discovery answer, as far as platform reads it. */
interface AggregatedDiscovery {
  kind: "APIGroupDiscoveryList";
  items?: {
    metadata?: { name?: string };
    versions?: {
      version: string;
      resources?: {
        resource: string;
        responseKind?: { kind?: string };
        scope?: string;
        singularResource?: string;
        shortNames?: string[];
        verbs?: string[];
        categories?: string[];
      }[];
    }[];
  }[];
}

/** A group of the classic /apis answer. */
interface ClassicGroup {
  name: string;
  preferredVersion: { groupVersion: string };
}

/** What an apply did to one object. */
export type ApplyAction = "created" | "configured" | "unchanged";

/** Options of a single request. */
export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** The Accept header (default application/json). */
  accept?: string;
  timeoutMs?: number;
  /** What the request is about, for error messages: verb, resource, namespace. */
  about?: { verb: string; resource: string; namespace?: string; name?: string };
  signal?: AbortSignal;
  /** The lazy connection check itself, which must not wait for itself. */
  checking?: boolean;
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
  /** The kubeconfig file(s) it came from, for messages (a KUBECONFIG-style list). */
  readonly kubeconfigPath: string;
  /** The kubeconfig file(s) it came from, in priority order. */
  readonly kubeconfigPaths: string[];
  /** client-node: loaded at connect for what the REST fast path declines, else on first use. */
  #node?: NodeClient;
  /** The REST fast path (rest.ts), when it serves this kubeconfig (until rustls refuses it). */
  #rest?: RestConnection;
  /** The lazy connection check (ConnectOptions.verify), while it has not passed. */
  #check?: Promise<void>;
  readonly #document: LoadedKubeconfig["document"];
  readonly #timeoutMs: number;
  readonly #resources = new Map<string, Promise<ResourceInfo[] | undefined>>();
  #allResources: Promise<ResourceInfo[]> | undefined;
  /** Number of requests sent, for the idle-traffic figure of sessions. */
  requestCount = 0;

  private constructor(
    via: NodeClient | RestConnection,
    loaded: LoadedKubeconfig,
    timeoutMs: number,
  ) {
    if (via instanceof RestConnection) {
      this.#rest = via;
      this.context = via.context;
      this.server = via.server;
    } else {
      this.#node = via;
      this.context = via.config.getCurrentContext();
      this.server = via.config.getCurrentCluster()?.server ?? "";
    }
    this.#document = loaded.document;
    this.#timeoutMs = timeoutMs;
    this.kubeconfigPaths = loaded.paths;
    this.kubeconfigPath = loaded.paths.join(KUBECONFIG_SEPARATOR);
  }

  /** What sends this connection's requests: the REST fast path, or client-node. */
  get via(): "rest" | "client-node" {
    return this.#rest ? "rest" : "client-node";
  }

  /** The context's namespace, as kubectl picks it (default when the context names none). */
  get namespace(): string {
    if (this.#rest) return this.#rest.namespace || "default";
    return this.#node!.config.getContextObject(this.context)?.namespace || "default";
  }

  /**
   * client-node for exec, port-forward and logs, loaded on first use
   * (430–500 ms); `k8s` and `config` need it loaded.
   */
  async clientNode(): Promise<NodeClient> {
    this.#node ??= await nodeClientFor(this.#document, this.context);
    return this.#node;
  }

  #loadedNode(): NodeClient {
    if (!this.#node) {
      throw new PlatformError("the Kubernetes client for exec and port-forward is not loaded", {
        hint: "internal: await kube.clientNode() before using kube.k8s or kube.config",
      });
    }
    return this.#node;
  }

  /** The client-node KubeConfig, for exec, port-forward and logs (after {@link clientNode}). */
  get config(): InstanceType<ClientNode["KubeConfig"]> {
    return this.#loadedNode().config;
  }

  /** The loaded client-node module (after {@link clientNode}). */
  get k8s(): ClientNode {
    return this.#loadedNode().k8s;
  }

  /**
   * Loads the kubeconfig (several files merged as kubectl does), selects the
   * context and (by default) checks the server answers.
   */
  static async connect(options: ConnectOptions = {}): Promise<Kube> {
    const loaded = readKubeconfigs(options.kubeconfig);
    const path = loaded.paths.join(KUBECONFIG_SEPARATOR);
    // The fast path (rest.ts): no client-node to import. A TLS failure there falls through to
    // client-node, whose TLS stack accepts some certificates rustls refuses.
    const rest = await RestConnection.open(loaded.document, options.context);
    if (rest) {
      const fast = new Kube(rest, loaded, options.timeoutMs ?? 15_000);
      if (options.verify === "lazy") {
        fast.#check = fast.#lazyCheck();
        fast.#check.catch(() => {}); // observed by the requests that need it
        return fast;
      }
      try {
        if (options.verify !== false) await fast.version(5_000);
        return fast;
      } catch (error) {
        if (findCode(error) !== "ERR_TLS_CERT") throw error;
      }
    }
    const { k8s, undici } = await loadClientModules();
    const config = new k8s.KubeConfig();
    try {
      // JSON is YAML; the paths in it are already absolute (resolved per file).
      config.loadFromString(JSON.stringify(loaded.document));
    } catch (error) {
      throw new PlatformError(`cannot load kubeconfig ${path}: ${(error as Error).message}`, {
        hint: `check the file is a kubeconfig (${kubectlWith(loaded.paths)} config view)`,
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
    const kube = new Kube({ k8s, undici, config }, loaded, options.timeoutMs ?? 15_000);
    if (options.verify !== false) await kube.version(5_000);
    return kube;
  }

  /** The check of a lazily verified connection; moves to client-node on a rustls refusal. */
  async #lazyCheck(): Promise<void> {
    try {
      await this.version(5_000, true);
    } catch (error) {
      if (!this.#rest || findCode(error) !== "ERR_TLS_CERT") throw error;
      // rustls refused a certificate that Node's TLS may accept, as the eager check does.
      this.#node = await nodeClientFor(this.#document, this.context);
      this.#rest = undefined;
      await this.version(5_000, true);
    }
    this.#check = undefined;
  }

  /** Waits for a pending lazy check (not from the check itself); throws its error. */
  async #checked(options: RequestOptions): Promise<void> {
    if (this.#check && !options.checking) await this.#check;
  }

  /**
   * The server's /version (also the connectivity check). An endpoint that
   * answers 404 or no version is reported as not a Kubernetes API server.
   */
  async version(
    timeoutMs?: number,
    checking = false,
  ): Promise<{ gitVersion: string; major: string; minor: string }> {
    const notKubernetes = (answer: string, cause?: unknown) =>
      new PlatformError(
        `${this.server} (context ${this.context}) is not a Kubernetes API server: ${answer}`,
        {
          hint: `check the server URL of the context's cluster (${
            kubectlWith(this.kubeconfigPaths)
          } config view --minify): it must be the API server's address, not an ingress, proxy or web server`,
          reason: "not-kubernetes",
          status: (cause as PlatformError | undefined)?.status,
          cause,
        },
      );
    let version: { gitVersion?: string; major: string; minor: string } | undefined;
    try {
      version = await this.request("GET", "/version", {
        timeoutMs,
        about: { verb: "get", resource: "version" },
        checking,
      });
    } catch (error) {
      if (isNotFound(error) || (error as PlatformError).reason === "not-kubernetes") {
        throw notKubernetes(
          isNotFound(error) ? "it answers 404 to GET /version" : (error as Error).message,
          error,
        );
      }
      throw error;
    }
    if (typeof version?.gitVersion !== "string") {
      throw notKubernetes("its answer to GET /version names no gitVersion");
    }
    return version as { gitVersion: string; major: string; minor: string };
  }

  /** Sends one request and returns the parsed JSON body; throws PlatformError on failure. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.#send(method, path, options);
    const text = await response.text();
    if (!response.ok) {
      await this.#checked(options); // a server that is not Kubernetes says more than its 404
      throw this.#httpError(method, path, response.status, text, options);
    }
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      await this.#checked(options);
      throw new PlatformError(
        `${method} ${path} on ${this.server} answered HTTP ${response.status} with something ` +
          `that is not JSON (${JSON.stringify(text.slice(0, 60))})`,
        {
          hint:
            `check the server URL of context ${this.context}: it must be a Kubernetes API server`,
          reason: "not-kubernetes",
          status: response.status,
          cause: error,
        },
      );
    }
  }

  async #send(method: string, path: string, options: RequestOptions): Promise<Response> {
    // A change goes only to a server that passed the check; reads go out beside it.
    if (method !== "GET") await this.#checked(options);
    const check = options.checking ? undefined : this.#check;
    const url = new URL(this.server.replace(/\/$/, "") + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const node = this.#rest ? undefined : this.#node!;
    const context = node && new node.k8s.RequestContext(url.toString(), method as never);
    if (context) await node!.config.applySecurityAuthentication(context);
    const headers: Record<string, string> = {
      ...context?.getHeaders(),
      accept: options.accept ?? "application/json",
    };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] = options.contentType ?? "application/json";
    }
    const timeout = AbortSignal.timeout(options.timeoutMs ?? this.#timeoutMs);
    // Ends a read the failed check has made pointless (its own timeout may be far longer).
    const abandon = new AbortController();
    const signal = AbortSignal.any(
      [timeout, abandon.signal, ...(options.signal ? [options.signal] : [])],
    );
    this.requestCount++;
    const rest = this.#rest;
    try {
      const sending =
        (rest ? rest.fetch(url, { method, headers, body, signal }) : node!.undici.fetch(url, {
          method,
          headers,
          body,
          dispatcher: context!.getDispatcher() as never,
          signal,
        })) as Promise<Response>;
      let response: Response;
      if (check) {
        sending.catch(() => {}); // the check's failure may come first
        response = await Promise.race([sending, check.then(() => sending)]);
      } else {
        response = await sending;
      }
      observeServerDate(response.headers.get("date"));
      return response;
    } catch (error) {
      if (check) {
        try {
          await check;
        } catch (failed) {
          abandon.abort();
          throw failed;
        }
        // The check moved the connection to client-node: this request goes again, there.
        if (rest && !this.#rest) return await this.#send(method, path, options);
      }
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
      const text = await response.text();
      await this.#checked(options);
      throw this.#httpError("GET", path, response.status, text, options);
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
        `(try: ${kubectlWith(this.kubeconfigPaths)} --context ${this.context} cluster-info); ` +
        "for the local cluster run ./denow task cluster:up, then `source .env`";
    return new PlatformError(
      `cannot reach the Kubernetes API server ${this.server} (context ${this.context}): ${reason}`,
      { hint: check, cause: error, reason: timedOut ? "timeout" : "unreachable" },
    );
  }

  /** Turns a failure answer into a PlatformError with its status, reason, message and hint. */
  #httpError(
    method: string,
    path: string,
    status: number,
    text: string,
    options: RequestOptions,
  ): PlatformError {
    const body = parseStatus(text);
    const reason = classifyStatus(status, body);
    const about = options.about ?? { verb: method.toLowerCase(), resource: path };
    const where = about.namespace ? ` in namespace ${about.namespace}` : "";
    const target = `${about.resource}${about.name ? ` ${about.name}` : ""}`;
    const error = (message: string, hint?: string) =>
      new PlatformError(message, { hint, status, reason });
    switch (reason) {
      case "unauthorized":
        return error(
          `the API server ${this.server} rejected the credentials of context ${this.context} (401 Unauthorized)`,
          "log in again or refresh the kubeconfig's token or certificate",
        );
      case "namespace-terminating": {
        const namespace = about.namespace ?? "of the request";
        return error(
          `namespace ${namespace} is being deleted: the API server refuses new objects in it, ` +
            `so ${about.verb} on ${target} failed (context ${this.context})`,
          namespaceTerminatingHint(namespace),
        );
      }
      case "forbidden":
        return error(
          `forbidden: ${about.verb} on ${target}${where} was refused by RBAC (context ${this.context}): ${body.message}`,
          `ask a cluster admin for a Role granting "${about.verb}" on ${about.resource}${where}; ` +
            `check with: kubectl auth can-i ${about.verb} ${about.resource}${
              about.namespace ? ` -n ${about.namespace}` : ""
            }`,
        );
    }
    const hints: Partial<Record<ErrorReason, string>> = {
      "invalid":
        "the server refused the object as invalid; render it with --dry-run -o yaml to inspect it",
      // A Status naming an object: that object is absent. Anything else: the path is not served.
      "not-found": body.isStatus && body.name
        ? "it does not exist (or was deleted meanwhile)"
        : "the API server does not serve this path: its kind is not installed in this cluster " +
          "(platform setup installs the platform's kinds)",
      "conflict": body.reason === "AlreadyExists"
        ? "it exists already (someone created it at the same time); run the command again"
        : "someone else changed it at the same time; run the command again",
    };
    return error(
      `${about.verb} ${target}${where} failed: ${body.message || `HTTP ${status}`}${
        body.reason ? ` (${body.reason})` : ""
      }`,
      reason && hints[reason],
    );
  }

  /**
   * Every resource the cluster serves, in each group's preferred version,
   * from aggregated discovery: /api and /apis answer with all their
   * resources at once (Kubernetes 1.26+), one round trip where the classic
   * endpoints take one for the group list and one more per group (kubectl
   * asks the same way). An older server answers with the classic lists;
   * their groups are then read one by one. Fills the per-group cache.
   */
  allResources(): Promise<ResourceInfo[]> {
    return this.#allResources ??= this.#discoverAll();
  }

  async #discoverAll(): Promise<ResourceInfo[]> {
    const ask = (path: string) =>
      this.request<AggregatedDiscovery | { groups?: ClassicGroup[]; versions?: string[] }>(
        "GET",
        path,
        {
          accept: `${AGGREGATED_DISCOVERY},application/json`,
          about: { verb: "get", resource: "API discovery" },
        },
      );
    const [core, groups] = await Promise.all([ask("/api"), ask("/apis")]);
    const found: ResourceInfo[] = [];
    const classic: string[] = [];
    for (const answer of [core, groups]) {
      if ("kind" in answer && answer.kind === "APIGroupDiscoveryList") {
        for (const group of answer.items ?? []) {
          const preferred = group.versions?.[0];
          if (!preferred) continue;
          const name = group.metadata?.name ?? "";
          const apiVersion = name ? `${name}/${preferred.version}` : preferred.version;
          const resources = (preferred.resources ?? []).map((resource) => ({
            group: name,
            version: preferred.version,
            apiVersion,
            kind: resource.responseKind?.kind ?? "",
            plural: resource.resource,
            singular: resource.singularResource ||
              (resource.responseKind?.kind ?? "").toLowerCase(),
            namespaced: resource.scope === "Namespaced",
            shortNames: resource.shortNames ?? [],
            verbs: resource.verbs ?? [],
            categories: resource.categories ?? [],
          })).filter((resource) => resource.kind);
          // The server's own answer, over whatever was adopted from a cache.
          this.#resources.set(apiVersion, Promise.resolve(resources));
          found.push(...resources);
        }
      } else {
        const plain = answer as { groups?: ClassicGroup[]; versions?: string[] };
        if (plain.versions?.length) classic.push(plain.versions[0]);
        for (const group of plain.groups ?? []) classic.push(group.preferredVersion.groupVersion);
      }
    }
    const lists = await Promise.all(classic.map((apiVersion) => this.resourcesOf(apiVersion)));
    return [...found, ...lists.flatMap((list) => list ?? [])];
  }

  /**
   * Takes resources discovered earlier (a disk cache of discovery) as this
   * connection's answer for the group versions it has not asked about yet,
   * so that reading them needs no discovery request.
   */
  adoptResources(resources: readonly ResourceInfo[]): void {
    const byVersion = new Map<string, ResourceInfo[]>();
    for (const resource of resources) {
      byVersion.set(resource.apiVersion, [...byVersion.get(resource.apiVersion) ?? [], resource]);
    }
    for (const [apiVersion, list] of byVersion) {
      if (!this.#resources.has(apiVersion)) this.#resources.set(apiVersion, Promise.resolve(list));
    }
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
      if (isNotFound(error)) return undefined;
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
          reason: "kind-not-served",
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
      if (isNotFound(error)) return undefined;
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
   * Lists a kind the cluster may not serve (an add-on's CRD), or undefined
   * when it does not. With the kind's usual `plural`, the list goes out at
   * once, beside the group's discovery (cached per connection) instead of
   * after it: one round trip, served or not. A 404 is confirmed by that
   * discovery, which also finds a plural other than the usual one.
   */
  async listIfServed<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    plural: string,
    options: { namespace?: string; labelSelector?: string } = {},
  ): Promise<{ items: T[]; resourceVersion: string } | undefined> {
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = options.namespace ? `/namespaces/${encodeURIComponent(options.namespace)}` : "";
    // Discovery goes beside the list, so that a 404 is confirmed without another round trip.
    const discovered = this.resourcesOf(apiVersion);
    discovered.catch(() => {}); // read only after a 404
    try {
      const list = await this.request<{ items: T[]; metadata: { resourceVersion: string } }>(
        "GET",
        `${base}${ns}/${plural}`,
        {
          query: { labelSelector: options.labelSelector },
          about: { verb: "list", resource: kind, namespace: options.namespace },
        },
      );
      const items = list.items.map((item) => ({ ...item, apiVersion, kind }));
      return { items, resourceVersion: list.metadata.resourceVersion };
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const served = (await discovered)?.some((resource) => resource.kind === kind);
    return served ? await this.list<T>(apiVersion, kind, options) : undefined;
  }

  /**
   * Server-side apply with field manager `platform`. Reports created,
   * configured or unchanged by comparing resourceVersions, so a second
   * identical apply is visibly a no-op. With `dryRun`, the server validates
   * and admits the object (webhooks, quotas, RBAC) and changes nothing; the
   * action says what the apply would do.
   */
  async apply<T extends KubeObject = KubeObject>(
    object: KubeObject,
    options: { fieldManager?: string; force?: boolean; dryRun?: boolean } = {},
  ): Promise<{ object: T; action: ApplyAction }> {
    const ref = {
      ...object,
      name: object.metadata.name ?? "",
      namespace: object.metadata.namespace,
    };
    const path = await this.pathOf(ref);
    const patch = () =>
      this.request<T>("PATCH", path, {
        query: {
          fieldManager: options.fieldManager ?? "platform",
          force: options.force ?? true,
          dryRun: options.dryRun ? "All" : undefined,
        },
        body: object,
        contentType: "application/apply-patch+yaml",
        about: aboutRef("patch", ref),
      });
    if (options.dryRun) {
      // Nothing is written, so the read can go at the same time; a dry run keeps the
      // resourceVersion, so "would change" is judged on the object itself.
      const [before, applied] = await Promise.all([this.get(ref), patch()]);
      const action: ApplyAction = !before
        ? "created"
        : JSON.stringify(before) === JSON.stringify(applied)
        ? "unchanged"
        : "configured";
      return { object: applied, action };
    }
    const before = await this.get(ref);
    const applied = await patch();
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

  /** Creates an object; fails with reason `conflict` (409) when it exists. */
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
    options: {
      propagation?: "Foreground" | "Background";
      /** Delete only this object (409 when the name now belongs to a newer one). */
      uid?: string;
    } = {},
  ): Promise<boolean> {
    try {
      await this.request("DELETE", await this.pathOf(ref), {
        body: {
          kind: "DeleteOptions",
          apiVersion: "v1",
          propagationPolicy: options.propagation ?? "Background",
          ...(options.uid ? { preconditions: { uid: options.uid } } : {}),
        },
        about: aboutRef("delete", ref),
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
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

/** The kubectl command line that reads the same kubeconfig file(s), for hints. */
export function kubectlWith(paths: string[]): string {
  return paths.length === 1
    ? `kubectl --kubeconfig ${paths[0]}`
    : `KUBECONFIG=${paths.join(KUBECONFIG_SEPARATOR)} kubectl`;
}

export { resolveKubeconfigPath } from "./kubeconfig.ts";

/** Formats an object reference for messages (re-exported for callers). */
export { describeRef };
