/**
 * The local cluster's binaries: which, where, and building them on first use
 * from the Go module proxy with the pinned versions (build/build.sh; the
 * versions live only in the go.mod files beside it).
 *
 * @module
 */
import { PlatformError } from "../../../lib/errors.ts";
import { BUILD_DIR } from "./local_cluster.ts";
import { exists, type Logger, runStreaming, withLock } from "./processes.ts";

/** Every binary the build script produces. */
export const BINARIES = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubectl",
  "kwok",
  "kwokctl",
  "helm",
] as const;

/** Name of one of {@linkcode BINARIES}. */
export type BinaryName = typeof BINARIES[number];

/** What a cold build costs on our 2-core machines, for the progress line. */
export const COLD_BUILD_ESTIMATE = "about 8 minutes on 2 cores, once per machine";

/** The script that builds them. */
export const BUILD_SCRIPT = `${BUILD_DIR}/build.sh`;

/** The argv that builds the binaries into `binDir`, for plans and hints. */
export function buildArgv(binDir: string): string[] {
  return ["env", `PLATFORM_BIN_DIR=${binDir}`, "bash", BUILD_SCRIPT];
}

/** The binaries missing from `binDir`. */
export async function missingBinaries(binDir: string): Promise<BinaryName[]> {
  const missing: BinaryName[] = [];
  for (const name of BINARIES) if (!(await exists(`${binDir}/${name}`))) missing.push(name);
  return missing;
}

/** Whether Go is on PATH. */
export function haveGo(): Promise<boolean> {
  return new Deno.Command("go", { args: ["version"], stdout: "null", stderr: "null" })
    .output().then((o) => o.success, () => false);
}

/** The error for missing binaries that cannot be built here. */
export function missingError(binDir: string, missing: string[]): PlatformError {
  return new PlatformError(
    `the local cluster needs ${
      missing.join(", ")
    } in ${binDir}, and Go is not on PATH to build them`,
    {
      hint:
        `install Go 1.24 or newer, then run: ${
          buildArgv(binDir).join(" ")
        } (${COLD_BUILD_ESTIMATE}); ` +
        "or set PLATFORM_KWOK_BIN_DIR to a directory that has them",
    },
  );
}

/**
 * Builds whatever is missing from `binDir`, streaming the build's progress.
 * With every binary present nothing runs (not even Go), so a machine that
 * only has the binaries works too. A lock keeps two clusters from building
 * into one directory at once.
 */
export async function ensureBinaries(binDir: string, log: Logger): Promise<void> {
  if ((await missingBinaries(binDir)).length === 0) return;
  await withLock(`${binDir}.lock`, {
    log,
    what: "building the cluster binaries",
    waitMs: 40 * 60_000,
  }, async () => {
    const missing = await missingBinaries(binDir);
    if (missing.length === 0) return;
    if (!(await haveGo())) throw missingError(binDir, missing);
    log(`building ${missing.join(", ")} from the Go module proxy (${COLD_BUILD_ESTIMATE})`);
    const started = Date.now();
    const result = await runStreaming("bash", [BUILD_SCRIPT], {
      env: { ...Deno.env.toObject(), PLATFORM_BIN_DIR: binDir },
      log: (line) => log(`  ${line}`),
    });
    if (result.code !== 0) {
      throw new PlatformError(
        `building the cluster binaries failed (exit ${result.code}):\n${result.tail}`,
        { hint: `run ${buildArgv(binDir).join(" ")} to see the whole go error` },
      );
    }
    log(`built the cluster binaries in ${Math.round((Date.now() - started) / 1000)}s`);
  });
}

/** The Kubernetes version pinned in build/kube/go.mod, e.g. "v1.33.13". */
export async function kubeVersion(): Promise<string> {
  const gomod = await Deno.readTextFile(`${BUILD_DIR}/kube/go.mod`);
  const match = gomod.match(/^\s*k8s\.io\/kubernetes\s+(v\S+)/m);
  if (!match) {
    throw new PlatformError(`${BUILD_DIR}/kube/go.mod does not require k8s.io/kubernetes`, {
      hint: "restore its require line",
    });
  }
  return match[1];
}
