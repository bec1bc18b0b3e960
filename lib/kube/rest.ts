/**
 * The fast path to the API server: plain REST requests over Deno's own
 * fetch and `Deno.createHttpClient`, for the kubeconfigs it can serve
 * (a CA, a client certificate and key, a bearer token or token file, basic
 * auth). Importing @kubernetes/client-node costs 430–500 ms; a verb that
 * only sends requests does not pay it on this path.
 *
 * Whatever it cannot serve it declines ({@link RestConnection.open} returns
 * undefined, and {@link restDeclines} says why), so the caller goes through
 * client-node as before: exec credential plugins, auth providers,
 * impersonation, insecure-skip-tls-verify, tls-server-name, proxy-url, and
 * any field it does not know. Unknown contexts and missing clusters are
 * declined too, so their errors stay client-node's path's.
 *
 * @module
 */
import type { KubeconfigDocument, NamedEntry } from "./kubeconfig.ts";

/** Cluster fields this path serves (the others make it decline). */
const CLUSTER_FIELDS = new Set([
  "server",
  "certificate-authority",
  "certificate-authority-data",
  "insecure-skip-tls-verify", // only when false
  "disable-compression",
  "extensions",
]);

/** User fields this path serves (the others make it decline). */
const USER_FIELDS = new Set([
  "client-certificate",
  "client-certificate-data",
  "client-key",
  "client-key-data",
  "token",
  "tokenFile",
  "token-file",
  "username",
  "password",
  "extensions",
]);

/** What one request needs; the body is already serialised. */
export interface RestInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

interface Selected {
  context: string;
  namespace?: string;
  cluster: Record<string, unknown>;
  user: Record<string, unknown>;
}

function entry(list: NamedEntry[] | undefined, name: unknown, field: string) {
  if (typeof name !== "string") return undefined;
  const found = (list ?? []).find((item) => item?.name === name)?.[field];
  return found && typeof found === "object" && !Array.isArray(found)
    ? found as Record<string, unknown>
    : undefined;
}

function select(document: KubeconfigDocument, context?: string): Selected | string {
  const name = context ?? document["current-context"];
  const chosen = entry(document.contexts, name, "context");
  if (!chosen) return `no context ${JSON.stringify(name ?? "")}`;
  const cluster = entry(document.clusters, chosen.cluster, "cluster");
  if (!cluster || typeof cluster.server !== "string" || !cluster.server) {
    return `context ${name} has no cluster with a server`;
  }
  return {
    context: String(name),
    namespace: typeof chosen.namespace === "string" && chosen.namespace
      ? chosen.namespace
      : undefined,
    cluster,
    user: entry(document.users, chosen.user, "user") ?? {},
  };
}

const present = (value: unknown) =>
  value !== undefined && value !== null && value !== "" && value !== false;

/**
 * Why the fast path cannot serve a context of a kubeconfig (default: its
 * current context), or undefined when it can.
 */
export function restDeclines(document: KubeconfigDocument, context?: string): string | undefined {
  const selected = select(document, context);
  if (typeof selected === "string") return selected;
  const { cluster, user } = selected;
  if (!/^https?:\/\//.test(String(cluster.server))) return `server ${cluster.server} is not a URL`;
  for (const [field, value] of Object.entries(cluster)) {
    if (!CLUSTER_FIELDS.has(field) && present(value)) return `cluster field ${field}`;
  }
  if (cluster["insecure-skip-tls-verify"] === true) return "insecure-skip-tls-verify";
  for (const [field, value] of Object.entries(user)) {
    if (!USER_FIELDS.has(field) && present(value)) return `user field ${field}`;
  }
  const hasCert = present(user["client-certificate"]) || present(user["client-certificate-data"]);
  const hasKey = present(user["client-key"]) || present(user["client-key-data"]);
  if (hasCert !== hasKey) return "a client certificate without its key, or a key without one";
  return undefined;
}

/** PEM text from a `<field>-data` (base64) or a `<field>` file. */
async function pem(entry: Record<string, unknown>, field: string): Promise<string | undefined> {
  const data = entry[`${field}-data`];
  if (typeof data === "string" && data) {
    return new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
  }
  const file = entry[field];
  return typeof file === "string" && file ? await Deno.readTextFile(file) : undefined;
}

/** A network failure with the code client.ts classifies by (as Node's errors carry one). */
function networkError(error: unknown): Error {
  let detail = String((error as Error)?.message ?? error);
  for (let cause = (error as Error)?.cause, depth = 0; cause && depth < 5; depth++) {
    detail = String((cause as Error).message ?? cause);
    cause = (cause as Error).cause;
  }
  const code = /connection refused/i.test(detail)
    ? "ECONNREFUSED"
    : /dns error|failed to lookup|name or service not known/i.test(detail)
    ? "ENOTFOUND"
    : /certificate|tls|handshake/i.test(detail)
    ? "ERR_TLS_CERT"
    : undefined;
  return Object.assign(new Error(detail, { cause: error }), { code });
}

/** A connection to one API server from one kubeconfig context, over Deno's fetch. */
export class RestConnection {
  /** The API server URL, without a trailing slash. */
  readonly server: string;
  /** The context's name. */
  readonly context: string;
  /** The context's namespace, when it names one. */
  readonly namespace?: string;
  /** TLS settings of every client of this connection. */
  readonly #tls: Deno.CreateHttpClientOptions;
  #client: Deno.HttpClient;
  /**
   * Whether requests go over HTTP/2 only. API servers speak HTTP/2, where
   * parallel requests share one connection; over HTTP/1.1 each parallel
   * request opens a connection of its own, one more round trip each (on a
   * cluster 40 ms away, `status dev` took 80 ms more per batch). Until the
   * first answer, a server that turns out not to speak HTTP/2 (a proxy in
   * front of it) gets HTTP/1.1 instead.
   */
  #http2Only: boolean;
  /** Whether some request has been answered on this connection. */
  #answered = false;
  readonly #user: Record<string, unknown>;

  private constructor(selected: Selected, tls: Deno.CreateHttpClientOptions) {
    this.server = String(selected.cluster.server).replace(/\/+$/, "");
    this.context = selected.context;
    this.namespace = selected.namespace;
    this.#tls = tls;
    // Plain http:// (kubectl proxy) would need HTTP/2 by prior knowledge, which such proxies lack.
    this.#http2Only = this.server.startsWith("https://");
    this.#client = this.#newClient();
    this.#user = selected.user;
  }

  #newClient(): Deno.HttpClient {
    return Deno.createHttpClient(this.#http2Only ? { ...this.#tls, http1: false } : this.#tls);
  }

  /**
   * A connection for `context` (default: the current one) of a merged
   * kubeconfig whose relative paths are resolved, or undefined when the
   * fast path declines it ({@link restDeclines}). Reads the certificate
   * files; sends nothing.
   */
  static async open(
    document: KubeconfigDocument,
    context?: string,
  ): Promise<RestConnection | undefined> {
    if (restDeclines(document, context) !== undefined) return undefined;
    const selected = select(document, context) as Selected;
    const ca = await pem(selected.cluster, "certificate-authority");
    const cert = await pem(selected.user, "client-certificate");
    const key = await pem(selected.user, "client-key");
    return new RestConnection(selected, {
      ...(ca ? { caCerts: [ca] } : {}),
      ...(cert && key ? { cert, key } : {}),
    });
  }

  /** The Authorization header of the context's user, if it has one (a token file is re-read). */
  async #authorization(): Promise<string | undefined> {
    const user = this.#user;
    if (typeof user.token === "string" && user.token) return `Bearer ${user.token}`;
    const file = user.tokenFile ?? user["token-file"];
    if (typeof file === "string" && file) return `Bearer ${(await Deno.readTextFile(file)).trim()}`;
    if (typeof user.username === "string" && user.username) {
      return `Basic ${btoa(`${user.username}:${user.password ?? ""}`)}`;
    }
    return undefined;
  }

  /**
   * Sends one request to `url` (on this server). Network failures reject
   * with an Error carrying a Node-style `code` (ECONNREFUSED, ENOTFOUND,
   * ERR_TLS_CERT); an abort rejects with the signal's reason, unchanged.
   */
  async fetch(url: URL, init: RestInit): Promise<Response> {
    const authorization = await this.#authorization();
    const send = (client: Deno.HttpClient) =>
      fetch(url, {
        method: init.method,
        headers: authorization ? { ...init.headers, authorization } : init.headers,
        body: init.body,
        signal: init.signal,
        client,
      });
    const client = this.#client;
    try {
      const response = await send(client).catch(async (error) => {
        if (client !== this.#client && init.method === "GET" && !init.signal?.aborted) {
          // A request sent beside this one found the server without HTTP/2 and moved on.
          return await send(this.#client);
        }
        if (!this.#mayFallBack(error, init)) throw error;
        // The server never saw this request as one: HTTP/2's preface is not an HTTP/1 request.
        this.#client.close();
        this.#http2Only = false;
        this.#client = this.#newClient();
        return await send(this.#client);
      });
      this.#answered = true;
      return response;
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw networkError(error);
    }
  }

  /** Whether a failed request may be the server refusing HTTP/2 and be sent again over HTTP/1.1. */
  #mayFallBack(error: unknown, init: RestInit): boolean {
    if (!this.#http2Only || this.#answered || init.method !== "GET" || init.signal?.aborted) {
      return false;
    }
    const failure = networkError(error) as Error & { code?: string };
    // A server that refuses h2 in the handshake says so with TLS's no_application_protocol
    // alert; one that ignores the offer answers HTTP/2's preface with an HTTP/1.1 error, which
    // the client reads as a broken frame. Refused connections, unknown hosts and untrusted
    // certificates are no protocol matter.
    return failure.code === undefined || /application.?protocol|alpn/i.test(failure.message);
  }

  /** Closes the connection pool. */
  close(): void {
    this.#client.close();
  }
}
