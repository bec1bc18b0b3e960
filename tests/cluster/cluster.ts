/**
 * The test cluster: the product's local cluster (providers/clusters/kwok/)
 * with its own name, port and state directory, so tests never meet a
 * developer's `platform setup` cluster. Only what is test-specific is here.
 *
 * As a command: `deno run -A tests/cluster/cluster.ts up [--compositions] | down | status [--json]
 * | compositions stop`. `--compositions` also starts the compositions stand-in
 * (tests/compositions/) and keeps it until `down` or `compositions stop`.
 *
 * @module
 */
import { PlatformError } from "../../lib/errors.ts";
import type { BinaryName } from "../../providers/clusters/kwok/binaries.ts";
import {
  ensureCluster as ensureLocalCluster,
  type EnsureResult,
  stopCluster as stopLocalCluster,
} from "../../providers/clusters/kwok/lifecycle.ts";
import {
  clusterPaths,
  defaultCacheDir,
  type LocalCluster,
  SOURCE_ROOT,
} from "../../providers/clusters/kwok/local_cluster.ts";
import { clusterStatus, formatStatus } from "../../providers/clusters/kwok/status.ts";
import {
  compositionsPaths,
  compositionsPid,
  ensureCompositions,
  stopCompositions,
} from "../compositions/process.ts";

export { NODE_NAME } from "../../providers/clusters/kwok/health.ts";

/** The repository root. */
export const REPO_ROOT: string = SOURCE_ROOT;
/** Everything the test cluster writes (PLATFORM_CLUSTER_CACHE moves it). */
export const CACHE_DIR: string = defaultCacheDir(Deno.env.toObject());
/** The built binaries, shared with `platform setup kwok`. */
export const BIN_DIR: string = `${CACHE_DIR}/bin`;
/** Used when PLATFORM_TEST_APISERVER_PORT is unset; `platform setup` defaults to 26444. */
export const DEFAULT_APISERVER_PORT = 26443;

function apiserverPort(): number {
  const raw = Deno.env.get("PLATFORM_TEST_APISERVER_PORT");
  if (raw === undefined || raw === "") return DEFAULT_APISERVER_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new PlatformError(`PLATFORM_TEST_APISERVER_PORT=${raw} is not a port number`, {
      hint: "set it to a free TCP port such as 26443, or unset it",
    });
  }
  return port;
}

/** The test cluster. */
export const TEST_CLUSTER: LocalCluster = {
  name: "platform-test",
  port: apiserverPort(),
  stateDir: CACHE_DIR,
  kubeconfigPath: `${CACHE_DIR}/kubeconfig.yaml`,
  binDir: BIN_DIR,
};

const paths = clusterPaths(TEST_CLUSTER);
/** The test cluster's kubeconfig. */
export const KUBECONFIG_PATH: string = TEST_CLUSTER.kubeconfigPath;
/** Its context. */
export const CONTEXT_NAME: string = paths.context;
/** Its pod sandboxes. */
export const PODS_DIR: string = paths.podsDir;
/** Its component logs, the sandboxer's and the compositions stand-in's log, for CI's failure output. */
export const LOG_PATHS: string[] = [
  paths.logsDir,
  paths.sandboxerLog,
  compositionsPaths(TEST_CLUSTER).log,
];

/** Absolute path of a built binary. */
export function binPath(name: BinaryName): string {
  return `${BIN_DIR}/${name}`;
}

/** Starts (or reuses) the test cluster. */
export function ensureCluster(): Promise<EnsureResult> {
  return ensureLocalCluster(TEST_CLUSTER);
}

/** Deletes the test cluster (and stops the compositions stand-in first, if it runs). */
export async function stopCluster(): Promise<boolean> {
  await stopCompositions(TEST_CLUSTER, { log: (line) => console.error(line), teardown: false });
  return await stopLocalCluster(TEST_CLUSTER);
}

async function main(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  try {
    switch (verb) {
      case "up": {
        const result = await ensureCluster();
        console.error(`cluster ${result.action} in ${(result.elapsedMs / 1000).toFixed(1)}s`);
        if (rest.includes("--compositions")) {
          const started = Date.now();
          const standin = await ensureCompositions(TEST_CLUSTER, {
            log: (line) => console.error(line),
            pin: true,
          });
          console.error(
            `compositions stand-in ${
              standin.started ? "started" : "reused"
            } (pid ${standin.pid}) in ${
              ((Date.now() - started) / 1000).toFixed(1)
            }s; it serves AppClaim until \`cluster.ts compositions stop\` or \`cluster:down\``,
          );
        }
        console.log(KUBECONFIG_PATH);
        return 0;
      }
      case "compositions": {
        if (rest[0] !== "stop") break;
        const stopped = await stopCompositions(TEST_CLUSTER, {
          log: (line) => console.error(line),
          teardown: true,
        });
        if (!stopped) console.error("the compositions stand-in was not running");
        return 0;
      }
      case "down": {
        const started = Date.now();
        const stopped = await stopCluster();
        console.error(
          stopped
            ? `cluster ${TEST_CLUSTER.name} deleted in ${
              ((Date.now() - started) / 1000).toFixed(1)
            }s`
            : `cluster ${TEST_CLUSTER.name} was not running`,
        );
        return 0;
      }
      case "status": {
        const status = await clusterStatus(TEST_CLUSTER);
        const standin = await compositionsPid(TEST_CLUSTER);
        console.log(
          rest.includes("--json")
            ? JSON.stringify({ ...status, compositions: standin ?? null }, null, 2)
            : `${formatStatus(status)}\ncompositions stand-in: ${
              standin ? `running (pid ${standin})` : "not running"
            }`,
        );
        return status.state === "running" ? 0 : 1;
      }
      case "logs":
        console.log(LOG_PATHS.join("\n"));
        return 0;
    }
    console.error(
      "usage: cluster.ts up [--compositions] | down | status [--json] | logs | compositions stop",
    );
    return 2;
  } catch (e) {
    if (e instanceof PlatformError) {
      console.error(`error: ${e.message}${e.hint ? `\nhint: ${e.hint}` : ""}`);
      return 1;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
