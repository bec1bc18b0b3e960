/**
 * One GET against the API server without @kubernetes/client-node, whose
 * import alone costs ~500 ms: enough for a TAB. It handles what local and
 * most CI kubeconfigs use (a CA, client certificates, a bearer token);
 * anything else (exec plugins, auth providers, insecure-skip-tls-verify)
 * answers `undefined`, and the caller falls back to the full client.
 */
import type { KubeconfigDocument } from "../kube/kubeconfig.ts";

type Fields = Record<string, unknown>;

const decoder = new TextDecoder();

async function material(fields: Fields, key: string): Promise<string | undefined> {
  const data = fields[`${key}-data`];
  if (typeof data === "string") {
    return decoder.decode(Uint8Array.from(atob(data), (char) => char.charCodeAt(0)));
  }
  const file = fields[key];
  return typeof file === "string" ? await Deno.readTextFile(file) : undefined;
}

function entry(list: unknown, name: unknown, key: string): Fields | undefined {
  const found = (Array.isArray(list) ? list : []).find((item) => item?.name === name);
  return found?.[key] as Fields | undefined;
}

/**
 * GETs `path` as JSON with the context of a merged kubeconfig (paths in it
 * absolute), or undefined when that context needs the full client.
 */
export async function quickGet(
  config: KubeconfigDocument,
  contextName: string | undefined,
  path: string,
  timeoutMs: number,
): Promise<unknown | undefined> {
  const context = entry(config.contexts, contextName ?? config["current-context"], "context");
  const cluster = entry(config.clusters, context?.cluster, "cluster");
  const user = entry(config.users, context?.user, "user") ?? {};
  if (!cluster || typeof cluster.server !== "string") return undefined;
  if (cluster["insecure-skip-tls-verify"] || cluster["proxy-url"]) return undefined;
  const unsupported = ["exec", "auth-provider", "username", "tokenFile", "token-file"];
  if (unsupported.some((key) => user[key] !== undefined)) return undefined;
  const headers: Record<string, string> = { Accept: "application/json" };
  if (typeof user.token === "string") headers.Authorization = `Bearer ${user.token}`;
  const ca = await material(cluster, "certificate-authority");
  const cert = await material(user, "client-certificate");
  const key = await material(user, "client-key");
  const client = Deno.createHttpClient({
    ...(ca ? { caCerts: [ca] } : {}),
    ...(cert && key ? { cert, key } : {}),
  });
  try {
    const response = await fetch(`${cluster.server.replace(/\/+$/, "")}${path}`, {
      client,
      headers,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`GET ${path}: HTTP ${response.status}`);
    }
    return await response.json();
  } finally {
    client.close();
  }
}
