/**
 * The few Kubernetes API calls the cluster tooling needs (readiness, apply,
 * list and watch), on Deno's own fetch with the kubeconfig's client
 * certificate. cluster.ts's fast path stays cheap (no client library to load)
 * and the sandboxer's watches restart on their own: the server ends each
 * watch after `timeoutSeconds`, and a 410 Gone means list again.
 *
 * @module
 */
import { parseYamlDocument } from "../../../lib/yaml.ts";

interface KubeconfigFile {
  clusters?: { name: string; cluster: { server: string; "certificate-authority"?: string } }[];
  users?: { name: string; user: { "client-certificate": string; "client-key": string } }[];
  contexts?: { name: string; context: { cluster: string; user: string } }[];
}

/** A connection to one apiserver as one user. */
export interface ApiClient {
  server: string;
  http: Deno.HttpClient;
}

let cached: { key: string; client: ApiClient } | undefined;

/**
 * The server and client certificate of `context` in the kubeconfig at `path`
 * (file references, as kwokctl writes them); undefined while there is no
 * such kubeconfig. Reuses the HTTP client while the file and the certificates
 * are unchanged.
 */
export async function apiClient(path: string, context: string): Promise<ApiClient | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
  let doc: KubeconfigFile | undefined;
  try {
    doc = parseYamlDocument(text, path) as KubeconfigFile | undefined;
  } catch {
    return undefined; // half-written by kwokctl: the caller asks again
  }
  const ctx = doc?.contexts?.find((c) => c.name === context)?.context;
  const cluster = doc?.clusters?.find((c) => c.name === ctx?.cluster)?.cluster;
  const user = doc?.users?.find((u) => u.name === ctx?.user)?.user;
  if (!cluster?.server || !cluster["certificate-authority"] || !user) return undefined;
  let pem: { ca: string; cert: string; key: string };
  try {
    pem = {
      ca: await Deno.readTextFile(cluster["certificate-authority"]),
      cert: await Deno.readTextFile(user["client-certificate"]),
      key: await Deno.readTextFile(user["client-key"]),
    };
  } catch {
    return undefined;
  }
  // A re-created cluster keeps the kubeconfig's text (same file paths) but
  // has new certificates, so they are part of what must be unchanged.
  const key = [context, text, pem.ca, pem.cert, pem.key].join("\n");
  if (cached?.key === key) return cached.client;
  try {
    const http = Deno.createHttpClient({ caCerts: [pem.ca], cert: pem.cert, key: pem.key });
    forgetClient();
    cached = { key, client: { server: cluster.server, http } };
    return cached.client;
  } catch {
    return undefined;
  }
}

/** Closes the cached HTTP client (after the cluster is deleted, its certificates are gone). */
export function forgetClient(): void {
  cached?.client.http.close();
  cached = undefined;
}

/** A finished API response. */
export interface ApiResponse {
  status: number;
  body: string;
}

/** Options of one request. */
export interface RequestOptions {
  method?: string;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

/** One request; undefined when the apiserver does not answer at all. */
export async function request(
  client: ApiClient,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse | undefined> {
  try {
    const response = await fetch(client.server + path, {
      method: options.method ?? "GET",
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      headers: options.contentType ? { "content-type": options.contentType } : undefined,
      client: client.http,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    return { status: response.status, body: await response.text() };
  } catch {
    return undefined;
  }
}

/** An API error with the status and the server's message. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

/** A request that must succeed: parses JSON, throws {@linkcode ApiError} otherwise. */
export async function requestJson<T>(
  client: ApiClient,
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const response = await request(client, path, options);
  if (!response) {
    throw new ApiError(0, `${options.method ?? "GET"} ${path}: the apiserver did not answer`);
  }
  if (response.status >= 300) {
    let message = response.body;
    try {
      message = (JSON.parse(response.body) as { message?: string }).message ?? message;
    } catch {
      // not a Status object
    }
    throw new ApiError(
      response.status,
      `${options.method ?? "GET"} ${path}: HTTP ${response.status}: ${message}`,
    );
  }
  return JSON.parse(response.body) as T;
}

/** Server-side apply of one object at its REST path, as `fieldManager`, forcing conflicts. */
export async function apply<T>(
  client: ApiClient,
  path: string,
  object: unknown,
  fieldManager: string,
): Promise<T> {
  return await requestJson<T>(
    client,
    `${path}?fieldManager=${encodeURIComponent(fieldManager)}&force=true`,
    { method: "PATCH", body: object, contentType: "application/apply-patch+yaml" },
  );
}

/** The object metadata this module looks at. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion?: string;
  deletionTimestamp?: string;
  annotations?: Record<string, string>;
}

/** Callbacks of {@linkcode listWatch}. */
export interface ListWatchHandlers<T extends { metadata: ObjectMeta }> {
  /** After every (re)list: the complete current set. Objects not in it are gone. */
  synced(items: T[]): void | Promise<void>;
  added(item: T): void | Promise<void>;
  modified(item: T): void | Promise<void>;
  deleted(item: T): void | Promise<void>;
  error(message: string): void;
}

/**
 * List, then watch from the list's resourceVersion, forever (until `signal`
 * aborts): relists after 410 Gone or repeated failures, resumes the watch
 * from the last seen resourceVersion when the server closes it.
 */
export async function listWatch<T extends { metadata: ObjectMeta }>(
  client: () => Promise<ApiClient | undefined>,
  path: string,
  handlers: ListWatchHandlers<T>,
  signal: AbortSignal,
): Promise<void> {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  while (!signal.aborted) {
    let resourceVersion: string;
    try {
      const c = await client();
      if (!c) throw new Error("no kubeconfig yet");
      const list = await requestJson<{ metadata: { resourceVersion: string }; items: T[] }>(
        c,
        path,
      );
      resourceVersion = list.metadata.resourceVersion;
      await handlers.synced(list.items);
    } catch (e) {
      handlers.error(`list ${path}: ${e instanceof Error ? e.message : e}`);
      await sleep(1000);
      continue;
    }
    let failures = 0;
    while (!signal.aborted && failures < 5) {
      const c = await client();
      if (!c) break;
      const url = `${c.server}${path}?watch=true&allowWatchBookmarks=true&timeoutSeconds=240` +
        `&resourceVersion=${resourceVersion}`;
      try {
        const response = await fetch(url, { client: c.http, signal });
        if (response.status === 410) {
          await response.body?.cancel();
          break;
        }
        if (response.status !== 200 || !response.body) {
          throw new Error(`HTTP ${response.status}: ${await response.text()}`);
        }
        failures = 0;
        let gone = false;
        let buffered = "";
        for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
          buffered += chunk;
          const lines = buffered.split("\n");
          buffered = lines.pop() ?? "";
          for (const line of lines) {
            if (!line.trim()) continue;
            const event = JSON.parse(line) as { type: string; object: T & { code?: number } };
            if (event.type === "ERROR") {
              gone = event.object.code === 410;
              if (!gone) handlers.error(`watch ${path}: ${JSON.stringify(event.object)}`);
              continue;
            }
            resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
            if (event.type === "ADDED") await handlers.added(event.object);
            else if (event.type === "MODIFIED") await handlers.modified(event.object);
            else if (event.type === "DELETED") await handlers.deleted(event.object);
          }
          if (gone) break;
        }
        if (gone) break;
      } catch (e) {
        if (signal.aborted) return;
        failures++;
        handlers.error(`watch ${path}: ${e instanceof Error ? e.message : e}`);
        await sleep(500 * failures);
      }
    }
  }
}
