/** Version of platform and of what it runs on. */
import config from "../deno.json" with { type: "json" };

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
