/** telepresence: `telepresence connect` then `telepresence intercept`, argv arrays only. */
import {
  cliEnv,
  clusterOf,
  type ClusterRef,
  findCli,
  foregroundSession,
  hasCli,
  runForeground,
} from "./cli_driver.ts";
import type { SessionDriver, SessionTarget } from "./driver.ts";
import { PlatformError } from "../../lib/errors.ts";
import { lazy } from "../../lib/lazy.ts";

/** The argv list of a telepresence session for a target: connect, then intercept. */
export function telepresencePlan(
  target: Pick<SessionTarget, "namespace" | "app" | "dev"> & {
    cluster?: ClusterRef;
    /** The Service port that reaches the container port (telepresence matches the Service's). */
    servicePort?: number | string;
  },
): string[][] {
  const port = target.dev.forwards[0]?.remote ?? 8080;
  const local = target.dev.forwards[0]?.local ?? port;
  return [
    [
      "telepresence",
      "connect",
      "--namespace",
      target.namespace,
      ...(target.cluster ? ["--context", target.cluster.context] : []),
    ],
    [
      "telepresence",
      "intercept",
      target.app,
      "--port",
      `${local}:${target.servicePort ?? port}`,
      ...(target.dev.command ? ["--", ...target.dev.command] : []),
    ],
  ];
}

/**
 * The Service port whose target is the container port being developed:
 * telepresence matches `--port local:remote` against the Service's ports,
 * and the manifests template serves 8080 on port 80 (named http).
 */
export async function servicePortFor(
  target: Pick<SessionTarget, "kube" | "namespace" | "app" | "dev">,
): Promise<number> {
  const container = target.dev.forwards[0]?.remote ?? 8080;
  const service = await target.kube.get({
    apiVersion: "v1",
    kind: "Service",
    namespace: target.namespace,
    name: target.app,
  });
  const ports: { port: number; targetPort?: number | string; name?: string }[] =
    service?.spec?.ports ?? [];
  // A named targetPort ("http") is the container port of that name in the workload.
  const workload = await target.kube.get({
    apiVersion: "apps/v1",
    kind: "Deployment",
    namespace: target.namespace,
    name: target.app,
  });
  const named = new Map<string, number>(
    (workload?.spec?.template?.spec?.containers ?? []).flatMap((
      c: { ports?: { name?: string; containerPort: number }[] },
    ) => (c.ports ?? []).filter((p) => p.name).map((p) => [p.name!, p.containerPort])),
  );
  const targetOf = (p: (typeof ports)[number]) =>
    typeof p.targetPort === "string" ? named.get(p.targetPort) : p.targetPort ?? p.port;
  const match = ports.find((p) => targetOf(p) === container) ??
    ports.find((p) => p.port === container);
  if (!match) {
    throw new PlatformError(
      `the Service ${target.namespace}/${target.app} has no port that reaches container port ${container}`,
      {
        hint: `telepresence intercepts a Service port; its ports are ${
          ports.map((p) => `${p.port}->${p.targetPort ?? p.port}`).join(", ") || "none"
        }; set dev.forward to local:<container port>`,
      },
    );
  }
  return match.port;
}

/** The argv list that ends a telepresence session: leave the intercept, then quit. */
export const telepresenceEnd = (target: Pick<SessionTarget, "app">): string[][] => [
  ["telepresence", "leave", target.app],
  ["telepresence", "quit"],
];

/** The telepresence driver. */
export const telepresenceDriver: SessionDriver = {
  name: "telepresence",
  description:
    "telepresence connect + intercept: cluster traffic to the laptop (needs telepresence)",
  preflight: (env) =>
    findCli(
      "telepresence",
      env,
      "install telepresence: https://www.telepresence.io/docs/install/client",
      ["version"],
    ),
  async start(target) {
    await this.preflight(target.env);
    const [connect, intercept] = telepresencePlan({
      ...target,
      cluster: clusterOf(target),
      servicePort: await servicePortFor(target),
    });
    const code = await runForeground(connect, cliEnv(target), target.dir);
    if (code !== 0) {
      throw new PlatformError(`${connect.join(" ")} exited ${code}`, {
        hint: "telepresence status; telepresence connect --help",
      });
    }
    return await foregroundSession(this, intercept, target);
  },
  async stop(target) {
    // The intercept lives in telepresence's own daemons on the laptop that made it.
    if (!(await hasCli("telepresence", target.env))) {
      target.reporter.info("telepresence is not installed here: its intercept is not ours to end");
      return { driver: "telepresence", restored: false, leaseReleased: false };
    }
    for (const argv of telepresenceEnd(target)) {
      await runForeground(argv, cliEnv(target), target.dir);
    }
    return { driver: "telepresence", restored: true, leaseReleased: false };
  },
  status: async (target) =>
    (await lazy<typeof import("../../lib/session/status.ts")>(
      "../../lib/session/status.ts",
      import.meta.url,
    )).leaseStatusOf("telepresence", target),
};
