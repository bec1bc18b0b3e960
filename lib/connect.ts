/**
 * Connecting from settings: every verb that reaches the cluster reads its
 * settings (flags > env > platform.yaml > .env > defaults) and connects
 * with their kubeconfig and context. One place for that pair, so the verbs
 * cannot drift apart on which kubeconfig or context they use.
 */
import { Kube } from "./kube/client.ts";
import { type FlagSettings, loadSettings, type Settings } from "./settings.ts";

/** Where a command's settings come from. */
export interface SettingsSource {
  flags?: FlagSettings;
  /** Environment variables (default: the process environment). */
  env?: Record<string, string | undefined>;
  /** Where platform.yaml and .env are read (default: the current directory). */
  cwd?: string;
}

/**
 * Connects with the settings' kubeconfig and context. The connection check
 * goes out beside the verb's first reads (Kube.connect's `verify: "lazy"`):
 * a round trip less, which a cluster a cloud region away makes 40 ms or more.
 */
export function connect(settings: Settings): Promise<Kube> {
  return Kube.connect({
    kubeconfig: settings.kubeconfig,
    context: settings.context,
    verify: "lazy",
  });
}

/**
 * The command's settings and a connection made from them. `kube`, when
 * given, is used instead of a new connection (tests count its requests).
 */
export async function connectFrom(
  options: SettingsSource & { kube?: Kube },
): Promise<{ settings: Settings; kube: Kube }> {
  const settings = await loadSettings({ flags: options.flags, env: options.env, cwd: options.cwd });
  return { settings, kube: options.kube ?? await connect(settings) };
}
