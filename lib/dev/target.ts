/**
 * Resolving what a dev command works on: settings, identity, template and
 * (when the cluster is needed) the connection, shared by apply, uninstall,
 * list and status so they agree on names.
 */
import { PlatformError } from "../errors.ts";
import { hostProblem } from "../validate.ts";
import { type DevIdentity, devIdentity } from "../identity.ts";
import { discoverIngress } from "../ingress.ts";
import type { Kube } from "../kube/client.ts";
import type { Reporter } from "../progress.ts";
import { DEFAULTS, loadSettings, type Settings } from "../settings.ts";
import type { SettingsSource } from "../connect.ts";
import { APP_CLAIM } from "../../templates/app_claim.ts";
import { resolveTemplate } from "../../templates/registry.ts";
import type { Template } from "../../templates/template.ts";
import { findProvider } from "../../providers/clusters/registry.ts";

/** Options every dev command accepts. */
export interface DevCommandOptions extends SettingsSource {
  reporter?: Reporter;
}

/** The namespace of `user`'s environment under the settings' pattern. */
export function namespaceFor(settings: Settings, user: string): string {
  return settings.namespace.replaceAll("{user}", user);
}

/**
 * The template to render: a named or file template as set; for `auto`,
 * the AppClaim when the cluster serves it, plain manifests otherwise.
 * Without a cluster (dry run), auto follows PROVIDER instead.
 */
export async function chooseTemplate(settings: Settings, kube?: Kube): Promise<Template> {
  if (settings.template !== "auto") {
    return await resolveTemplate(settings.template, settings.baseDir);
  }
  if (kube) {
    const served = (await kube.resourcesOf(APP_CLAIM.apiVersion))?.some((resource) =>
      resource.kind === APP_CLAIM.kind
    );
    return await resolveTemplate(served ? "claim" : "manifests", settings.baseDir);
  }
  return await resolveTemplate(
    // The provider says whether its setup installs Crossplane and the AppClaim compositions.
    findProvider(settings.provider)?.servesClaims ? "claim" : "manifests",
    settings.baseDir,
  );
}

/** The ingress base host: as set, else discovered from the cluster, else the local default. */
export async function ingressHostOf(
  settings: Settings,
  kube: Kube | undefined,
  reporter?: Reporter,
): Promise<string> {
  if (settings.ingressHost) return settings.ingressHost;
  if (kube) {
    const found = await discoverIngress(kube);
    if (found) {
      const problem = hostProblem(found.host);
      if (problem) {
        throw new PlatformError(
          `the ingress Service ${found.service} reports the address ${
            JSON.stringify(found.host)
          }, which is no host name: ${problem}`,
          { hint: "set the ingress host yourself: --ingress-host HOST or INGRESS_HOST" },
        );
      }
      reporter?.info(`ingress host ${found.host} (from Service ${found.service})`);
      return found.host;
    }
  }
  reporter?.info(
    `ingress host not set and not discovered; using ${DEFAULTS.localIngressHost} (set INGRESS_HOST or run platform setup)`,
  );
  return DEFAULTS.localIngressHost;
}

/** Settings plus identity for one user; validates the user before anything else. */
export async function resolveDev(
  user: string,
  options: DevCommandOptions,
): Promise<{
  settings: Settings;
  /** The user's namespace: known before the ingress host is. */
  namespace: string;
  identityFor: (ingressHost: string) => DevIdentity;
}> {
  // Validate before reading files or contacting anything: bad input costs nothing.
  devIdentity(user, "x", { ingressHost: "example.invalid" });
  const settings = await loadSettings({ flags: options.flags, env: options.env, cwd: options.cwd });
  const namespace = namespaceFor(settings, user);
  devIdentity(user, settings.app, { ingressHost: "example.invalid", namespace });
  return {
    settings,
    namespace,
    identityFor: (ingressHost) => devIdentity(user, settings.app, { ingressHost, namespace }),
  };
}

/** Fails when a required kind is not served, before anything is changed. */
export async function assertServed(
  kube: Kube,
  objects: { apiVersion: string; kind: string }[],
): Promise<void> {
  for (const object of objects) {
    try {
      await kube.resourceFor(object.apiVersion, object.kind);
    } catch (error) {
      if (error instanceof PlatformError) {
        throw new PlatformError(`${error.message}; nothing was applied`, {
          hint: error.hint,
          cause: error,
          status: error.status,
          reason: error.reason,
        });
      }
      throw error;
    }
  }
}
