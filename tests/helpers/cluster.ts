/**
 * The one way integration tests reach Kubernetes: the real test cluster of
 * tests/cluster (kwok with etcd, kube-apiserver, kube-controller-manager and
 * kube-scheduler running as local processes). {@linkcode testCluster} starts
 * it if it is not running and throws, with the reason, when it cannot: a test
 * that needs the cluster fails, it never skips.
 *
 * @module
 */
import * as k8s from "@kubernetes/client-node";
import { PlatformError } from "../../lib/errors.ts";
import {
  binPath,
  CONTEXT_NAME,
  ensureCluster,
  KUBECONFIG_PATH,
  PODS_DIR,
} from "../cluster/cluster.ts";
import {
  containerLogPath,
  podAddress as addressOfUid,
  podDirectory,
  SANDBOX_MARKER,
  type SandboxMarker,
} from "../../providers/clusters/kwok/sandboxer.ts";

/** What a test gets to talk to the cluster. */
export interface TestCluster {
  /** Path of the cluster's kubeconfig (client certificate; never ~/.kube/config). */
  kubeconfigPath: string;
  /** A client-node KubeConfig loaded from it, current context set. */
  kubeconfig: k8s.KubeConfig;
  /** The built kubectl, same version as the apiserver. */
  kubectlPath: string;
  /** A pod's sandbox directory on this machine, where exec runs and its logs live. */
  podDir(namespace: string, pod: string): string;
}

let ready: Promise<TestCluster> | undefined;

/**
 * Ensures the test cluster is up (reusing a running one, otherwise starting
 * it, building binaries first if needed) and returns how to reach it. The
 * result is shared by every caller in the process. Throws if the cluster
 * cannot be started; never resolves to "skip".
 */
export function testCluster(): Promise<TestCluster> {
  ready ??= (async () => {
    try {
      await ensureCluster();
    } catch (e) {
      ready = undefined;
      const hint = e instanceof PlatformError && e.hint ? `\nhint: ${e.hint}` : "";
      throw new Error(
        `the test cluster could not be started: ${e instanceof Error ? e.message : e}${hint}`,
        { cause: e },
      );
    }
    return {
      kubeconfigPath: KUBECONFIG_PATH,
      kubeconfig: loadKubeconfig(),
      kubectlPath: binPath("kubectl"),
      podDir,
    };
  })();
  return ready;
}

function loadKubeconfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(KUBECONFIG_PATH);
  kc.setCurrentContext(CONTEXT_NAME);
  return kc;
}

/** A pod's sandbox directory: `.cache/cluster/pods/<namespace>/<pod>/`. */
export function podDir(namespace: string, pod: string): string {
  return podDirectory(PODS_DIR, namespace, pod);
}

/** Options for {@linkcode kubectl}. */
export interface KubectlOptions {
  /** Written to kubectl's stdin. */
  stdin?: string;
  /** Throw when kubectl exits non-zero (default true). */
  check?: boolean;
  /** Kill kubectl after this long (default 60 s). */
  timeoutMs?: number;
}

/** What kubectl did. */
export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built kubectl against the test cluster. Arguments are an argv
 * array, never a shell string. Throws on a non-zero exit unless `check` is
 * false.
 */
export async function kubectl(
  args: string[],
  options: KubectlOptions = {},
): Promise<KubectlResult> {
  await testCluster();
  const child = new Deno.Command(binPath("kubectl"), {
    args: ["--kubeconfig", KUBECONFIG_PATH, "--context", CONTEXT_NAME, ...args],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const output = await child.output().finally(() => clearTimeout(timer));
  const result = {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
  if ((options.check ?? true) && result.code !== 0) {
    const why = output.signal === "SIGKILL" ? ` (killed after ${timeoutMs / 1000}s)` : "";
    throw new Error(
      `kubectl ${args.join(" ")} exited ${result.code}${why}: ${
        result.stderr.trim() || result.stdout.trim()
      }`,
    );
  }
  return result;
}

/** A long-running kubectl (port-forward, logs -f) that a test stops itself. */
export interface KubectlProcess {
  /** Resolves with the first match of `pattern` in stdout, rejects if kubectl exits or time runs out. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** All stdout and stderr so far, for assertion messages. */
  output(): string;
  /** Stops kubectl and waits for it to exit. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts kubectl in the background against the test cluster (argv array). */
export async function startKubectl(args: string[]): Promise<KubectlProcess> {
  await testCluster();
  const child = new Deno.Command(binPath("kubectl"), {
    args: ["--kubeconfig", KUBECONFIG_PATH, "--context", CONTEXT_NAME, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  const collect = async (stream: ReadableStream<Uint8Array>, into: (text: string) => void) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      into(text);
      for (const listener of listeners) listener();
    }
  };
  const drained = Promise.all([
    collect(child.stdout, (t) => stdout += t),
    collect(child.stderr, (t) => stderr += t),
  ]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    for (const listener of listeners) listener();
    return s;
  });
  const stop = async () => {
    if (!exited) {
      try {
        child.kill("SIGTERM");
      } catch {
        // exited meanwhile
      }
    }
    await status;
    await drained;
  };
  return {
    waitForOutput(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = stdout.match(pattern);
          if (match) return done(() => resolve(match));
          if (exited) {
            done(() =>
              reject(
                new Error(
                  `kubectl ${
                    args.join(" ")
                  } exited before printing ${pattern}:\n${stdout}${stderr}`,
                ),
              )
            );
          }
        };
        const timer = setTimeout(
          () =>
            done(() =>
              reject(
                new Error(
                  `kubectl ${args.join(" ")} printed no ${pattern} in ${
                    timeoutMs / 1000
                  }s:\n${stdout}${stderr}`,
                ),
              )
            ),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    output: () => stdout + stderr,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** A namespace made for one test. */
export interface TestNamespace {
  name: string;
  /** Deletes the namespace (and so everything in it); does not wait for it to be gone. */
  cleanup(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Label on every namespace {@linkcode uniqueNamespace} creates, to find leftovers. */
export const TEST_NAMESPACE_LABEL = "platform.test/ephemeral";

/**
 * Creates a namespace `<prefix>-<random>` and waits until its default
 * ServiceAccount exists (pods are refused before that). Use with
 * `await using ns = await uniqueNamespace("x")` or call `cleanup()`.
 */
export async function uniqueNamespace(prefix: string): Promise<TestNamespace> {
  const { kubeconfig } = await testCluster();
  const core = kubeconfig.makeApiClient(k8s.CoreV1Api);
  const base =
    prefix.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 50) ||
    "test";
  const name = `${base}-${crypto.randomUUID().slice(0, 8)}`;
  await core.createNamespace({
    body: { metadata: { name, labels: { [TEST_NAMESPACE_LABEL]: "true" } } },
  });
  await waitFor(`the default ServiceAccount in namespace ${name}`, async () => {
    try {
      await core.readNamespacedServiceAccount({ name: "default", namespace: name });
      return true;
    } catch {
      return false;
    }
  });
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await core.deleteNamespace({ name }).catch((e) => {
      if (!(e instanceof k8s.ApiException && e.code === 404)) throw e;
    });
  };
  return { name, cleanup, [Symbol.asyncDispose]: cleanup };
}

/**
 * Polls `check` until it returns a truthy value and returns that value;
 * throws after `timeoutMs` naming what was awaited and what was seen last.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (true) {
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(
        `timed out after ${timeoutMs / 1000}s waiting for ${what} (last seen: ${seen})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}

/**
 * Waits until the sandboxer has set up a pod's sandbox (directory, Exec,
 * PortForward and Logs objects) and returns its marker: namespace, name,
 * UID and loopback address. Exec into a pod before this may find no rule.
 */
export async function waitForSandbox(
  namespace: string,
  pod: string,
  timeoutMs = 30_000,
): Promise<SandboxMarker> {
  const { kubeconfig } = await testCluster();
  const objects = k8s.KubernetesObjectApi.makeApiClient(kubeconfig);
  const core = kubeconfig.makeApiClient(k8s.CoreV1Api);
  return await waitFor(`the sandbox of pod ${namespace}/${pod}`, async () => {
    const current = await core.readNamespacedPod({ name: pod, namespace });
    const marker = JSON.parse(
      await Deno.readTextFile(`${podDir(namespace, pod)}/${SANDBOX_MARKER}`),
    ) as SandboxMarker;
    if (marker.uid !== current.metadata?.uid) return undefined;
    for (const kind of ["Exec", "PortForward", "Logs"]) {
      await objects.read({
        apiVersion: "kwok.x-k8s.io/v1alpha1",
        kind,
        metadata: { name: pod, namespace },
      });
    }
    return marker;
  }, { timeoutMs });
}

/** A pod's loopback address (POD_IP inside exec), derived from its UID. */
export async function podAddress(namespace: string, pod: string): Promise<string> {
  const { kubeconfig } = await testCluster();
  const current = await kubeconfig.makeApiClient(k8s.CoreV1Api).readNamespacedPod({
    name: pod,
    namespace,
  });
  return addressOfUid(current.metadata?.uid ?? "");
}

/**
 * Appends lines to a container's log file in CRI format, which is what kwok
 * serves for `kubectl logs`.
 */
export async function appendPodLog(
  namespace: string,
  pod: string,
  container: string,
  lines: string[],
  stream: "stdout" | "stderr" = "stdout",
): Promise<void> {
  const text = lines.map((line) => `${new Date().toISOString()} ${stream} F ${line}\n`).join("");
  await Deno.writeTextFile(containerLogPath(PODS_DIR, namespace, pod, container), text, {
    append: true,
  });
}
