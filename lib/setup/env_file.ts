/**
 * The `.env` setup writes, in the seed's format (`export KEY=value`, so
 * `source .env` keeps working): its own keys are replaced or appended,
 * every other line is kept byte for byte. Destroy takes its keys out again,
 * but only when they still describe the cluster being destroyed.
 */
import { parseDotenv, updateDotenv } from "../dotenv.ts";

/** The keys setup owns in `.env`. */
export const ENV_KEYS = [
  "KUBECONFIG",
  "PROVIDER",
  "INGRESS_IP",
  "INGRESS_HOST",
  "INGRESS_CLASS_NAME",
] as const;

/** Setup's values for `.env`. */
export type EnvValues = Record<typeof ENV_KEYS[number], string>;

async function readText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Writes setup's keys into `.env`; returns whether the file changed. */
export async function writeEnvFile(path: string, values: EnvValues): Promise<boolean> {
  const before = await readText(path) ?? "";
  const after = updateDotenv(before, values);
  if (after === before) return false;
  await Deno.writeTextFile(path, after);
  return true;
}

/** `.env` text without setup's keys; other lines (comments, blank lines, other keys) stay. */
export function withoutSetupKeys(text: string): string {
  const keys: readonly string[] = ENV_KEYS;
  const kept = text.replace(/\n$/, "").split("\n").filter((line) =>
    !Object.keys(parseDotenv(line)).some((key) => keys.includes(key))
  );
  return kept.length && kept.some((line) => line.trim()) ? kept.join("\n") + "\n" : "";
}

/**
 * Removes setup's keys from `.env` when they point at this provider and
 * kubeconfig (another setup's keys are left alone); a file left empty is
 * removed. Returns what happened, for the step line.
 */
export async function removeEnvFileKeys(
  path: string,
  owner: { provider: string; kubeconfig: string },
): Promise<"removed" | "absent" | "not ours"> {
  const text = await readText(path);
  if (text === undefined) return "absent";
  const values = parseDotenv(text);
  if (!ENV_KEYS.some((key) => key in values)) return "absent";
  if (values.PROVIDER !== owner.provider || values.KUBECONFIG !== owner.kubeconfig) {
    return "not ours";
  }
  const after = withoutSetupKeys(text);
  if (after) await Deno.writeTextFile(path, after);
  else await Deno.remove(path);
  return "removed";
}
