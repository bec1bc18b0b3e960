/**
 * The dev section: from platform.yaml `dev`, or, for repositories that
 * already use okteto, from okteto.yaml `dev.<app>` (so the seed's
 * repository works unchanged).
 */
import type { Settings } from "../settings.ts";
import { type Forward, parseForward } from "./forward_spec.ts";
import { lazy } from "../lazy.ts";

/** What a dev session needs to know. */
export interface DevSettings {
  image: string;
  /** argv of the dev command; undefined: only sync (the developer runs things by hand). */
  command?: string[];
  /** Directory in the container the local tree syncs to. */
  workdir: string;
  forwards: Forward[];
  environment: Record<string, string>;
  /** Where the settings came from, for messages. */
  source: string;
}

function commandOf(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : ["sh", "-c", value];
}

/** The dev settings for an app, from platform.yaml or okteto.yaml; defaults otherwise. */
export async function devSettings(settings: Settings, dir: string): Promise<DevSettings> {
  const dev = settings.dev;
  if (dev) {
    return {
      image: dev.image ?? `${settings.image}:${settings.tag}`,
      command: commandOf(dev.command),
      workdir: dev.workdir ?? dev.sync?.[0]?.split(":")[1] ?? "/app",
      forwards: (dev.forward ?? [`${settings.port}:${settings.port}`]).map(parseForward),
      environment: dev.environment ?? {},
      source: settings.configFile ?? "platform.yaml",
    };
  }
  const okteto = await Deno.readTextFile(`${dir}/okteto.yaml`).catch(() => undefined);
  // okteto.yaml is somebody else's format: read what we use, defensively.
  type OktetoDev = {
    image?: string;
    command?: string | string[];
    workdir?: string;
    sync?: string[];
    forward?: (string | number)[];
    environment?: string[] | Record<string, string>;
  };
  const parsed = okteto
    // The YAML library loads only when there is an okteto.yaml (list and status import this).
    ? (await lazy<typeof import("../yaml.ts")>("../yaml.ts", import.meta.url)).parseYaml(
      okteto,
      `${dir}/okteto.yaml`,
    ) as {
      dev?: Record<string, OktetoDev>;
    }
    : undefined;
  const section = parsed?.dev?.[settings.app];
  if (section) {
    const environment = Array.isArray(section.environment)
      ? Object.fromEntries(section.environment.map((line: string) => {
        // Only the first = separates: values keep theirs (DSN=...?sslmode=require).
        const at = line.indexOf("=");
        return at < 0 ? [line, ""] : [line.slice(0, at), line.slice(at + 1)];
      }))
      : section.environment ?? {};
    return {
      image: section.image ?? `${settings.image}:${settings.tag}`,
      command: commandOf(section.command),
      workdir: section.workdir ?? String(section.sync?.[0] ?? ".:/app").split(":")[1],
      forwards: (section.forward ?? []).map((entry: string | number) =>
        parseForward(String(entry))
      ),
      environment,
      source: `${dir}/okteto.yaml`,
    };
  }
  return {
    image: `${settings.image}:${settings.tag}`,
    workdir: "/app",
    forwards: [parseForward(String(settings.port))],
    environment: {},
    source: "defaults",
  };
}
