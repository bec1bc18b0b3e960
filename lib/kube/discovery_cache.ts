/**
 * Discovery kept on disk between runs, as kubectl keeps it: which resource
 * types a cluster serves changes rarely, and asking costs a round trip
 * before `get` and `describe` can send their one request. One file per API
 * server, in $XDG_CACHE_HOME/platform/discovery (default ~/.cache), written
 * whole and renamed into place so that two runs never read half a file.
 * Callers ask the server again when a type is not in the cached answer, so
 * a type installed since is found; the age limit bounds everything else.
 *
 * @module
 */
import type { ResourceInfo } from "./client.ts";

/** How long a cached answer is used (kubectl keeps its own for hours; this errs short). */
export const DISCOVERY_MAX_AGE_MS = 10 * 60_000;

interface CachedDiscovery {
  server: string;
  fetchedAt: number;
  resources: ResourceInfo[];
}

/** The cache directory for an environment, or undefined without a home to put it in. */
export function discoveryCacheDir(env: Record<string, string | undefined>): string | undefined {
  const base = env.XDG_CACHE_HOME || (env.HOME ? `${env.HOME}/.cache` : undefined);
  return base ? `${base}/platform/discovery` : undefined;
}

async function fileOf(dir: string, server: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(server));
  const hex = [...new Uint8Array(digest)].slice(0, 12)
    .map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${dir}/${hex}.json`;
}

/** The cached resources of `server`, when younger than `maxAgeMs`; undefined otherwise. */
export async function readDiscovery(
  dir: string,
  server: string,
  maxAgeMs = DISCOVERY_MAX_AGE_MS,
  now = Date.now(),
): Promise<ResourceInfo[] | undefined> {
  try {
    const cached = JSON.parse(
      await Deno.readTextFile(await fileOf(dir, server)),
    ) as CachedDiscovery;
    const fresh = cached.server === server && now - cached.fetchedAt >= 0 &&
      now - cached.fetchedAt < maxAgeMs && Array.isArray(cached.resources);
    return fresh ? cached.resources : undefined;
  } catch {
    return undefined; // none yet, unreadable or half a file from another version: ask the server
  }
}

/** Keeps `resources` of `server`; a cache that cannot be written is no error (the next run asks). */
export async function writeDiscovery(
  dir: string,
  server: string,
  resources: ResourceInfo[],
  now = Date.now(),
): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
    const path = await fileOf(dir, server);
    const temporary = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    const cached: CachedDiscovery = { server, fetchedAt: now, resources };
    await Deno.writeTextFile(temporary, JSON.stringify(cached));
    await Deno.rename(temporary, path);
  } catch {
    // read-only home, full disk: discovery is asked for each run, as without a cache
  }
}
