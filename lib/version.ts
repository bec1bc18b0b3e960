/** Version of platform and of what it runs on. */
import config from "../deno.json" with { type: "json" };
import { lazy } from "./lazy.ts";

/** platform's own version, from deno.json. */
export const VERSION: string = config.version;

/** The record of `platform version`. */
export function versionInfo(): Record<string, string> {
  return {
    platform: VERSION,
    deno: Deno.version.deno,
    typescript: Deno.version.typescript,
    v8: Deno.version.v8,
    os: `${Deno.build.os}/${Deno.build.arch}`,
  };
}

/** Options of {@link serverVersion}. */
export interface ServerVersionOptions {
  flags?: import("./settings.ts").FlagSettings;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** How long the server may take to answer (default 2000 ms). */
  timeoutMs?: number;
}

/**
 * The context and the API server's version, as fields of the version
 * record. Without any kubeconfig: nothing. When the server does not answer
 * in time, or the context is unknown, `server` says why instead; version
 * never fails on the cluster's account.
 */
export async function serverVersion(
  options: ServerVersionOptions = {},
): Promise<Record<string, string>> {
  const { loadSettings } = await lazy<typeof import("./settings.ts")>(
    "./settings.ts",
    import.meta.url,
  );
  const { Kube } = await lazy<typeof import("./kube/client.ts")>(
    "./kube/client.ts",
    import.meta.url,
  );
  const { readKubeconfigs } = await lazy<typeof import("./kube/kubeconfig.ts")>(
    "./kube/kubeconfig.ts",
    import.meta.url,
  );
  const settings = await loadSettings(options);
  try {
    readKubeconfigs(settings.kubeconfig, { env: options.env, cwd: options.cwd });
  } catch {
    return {}; // no kubeconfig at all: a laptop before `platform setup`
  }
  const timeoutMs = options.timeoutMs ?? 2000;
  let context = settings.context ?? "";
  try {
    const kube = await Kube.connect({
      kubeconfig: settings.kubeconfig,
      context: settings.context,
      timeoutMs,
      verify: false,
    });
    context = kube.context;
    const version = await kube.version(timeoutMs);
    return { context, server: version.gitVersion };
  } catch (error) {
    return { context, server: `unknown: ${(error as Error).message}` };
  }
}
