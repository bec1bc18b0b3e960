import assert from "node:assert/strict";
import { Kube, PlatformError } from "../../mod.ts";
import {
  isConflict,
  isForbidden,
  isKindNotServed,
  isNamespaceTerminating,
  isNotFound,
  isTransient,
  reasonOf,
  statusOf,
} from "../../lib/errors.ts";
import { classifyStatus, parseStatus } from "../../lib/kube/status.ts";
import { writeKubeconfig } from "../helpers/cli.ts";

/**
 * The body kube-apiserver's NamespaceLifecycle admission answers with (403),
 * as v1.33 sends it: a cause's type travels as `reason`.
 */
const TERMINATING = JSON.stringify({
  kind: "Status",
  apiVersion: "v1",
  status: "Failure",
  message:
    'deployments.apps "silly-demo" is forbidden: unable to create new content in namespace alice because it is being terminated',
  reason: "Forbidden",
  details: {
    name: "silly-demo",
    group: "apps",
    kind: "deployments",
    causes: [{
      reason: "NamespaceTerminating",
      message: "namespace alice is being terminated",
      field: "metadata.namespace",
    }],
  },
  code: 403,
});

const RBAC = JSON.stringify({
  kind: "Status",
  apiVersion: "v1",
  status: "Failure",
  message:
    'deployments.apps "silly-demo" is forbidden: User "bob" cannot patch resource "deployments"',
  reason: "Forbidden",
  details: { name: "silly-demo", group: "apps", kind: "deployments" },
  code: 403,
});

Deno.test("a Status body is read as data: message, reason, details and causes", () => {
  const body = parseStatus(TERMINATING);
  assert.equal(body.isStatus, true);
  assert.equal(body.reason, "Forbidden");
  assert.equal(body.name, "silly-demo");
  assert.equal(body.kind, "deployments");
  assert.deepEqual(body.causes, ["NamespaceTerminating"]);
  const text = parseStatus("404 page not found\n");
  assert.equal(text.isStatus, false);
  assert.equal(text.message, "404 page not found");
  assert.deepEqual(text.causes, []);
});

Deno.test("a 403 caused by NamespaceTerminating is the namespace being deleted, not RBAC", () => {
  assert.equal(classifyStatus(403, parseStatus(TERMINATING)), "namespace-terminating");
  assert.equal(classifyStatus(403, parseStatus(RBAC)), "forbidden");
  assert.equal(classifyStatus(403, parseStatus("forbidden")), "forbidden");
});

Deno.test("statuses map to reasons callers branch on", () => {
  const cases: [number, string | undefined][] = [
    [400, "bad-request"],
    [401, "unauthorized"],
    [404, "not-found"],
    [409, "conflict"],
    [410, "expired"],
    [422, "invalid"],
    [429, "throttled"],
    [500, "server-error"],
    [503, "server-error"],
    [504, "timeout"],
    [418, undefined],
  ];
  for (const [status, reason] of cases) {
    assert.equal(classifyStatus(status, parseStatus("")), reason, String(status));
  }
});

Deno.test("the helpers read the reason, never the message", () => {
  const error = (reason: PlatformError["reason"], status?: number) =>
    new PlatformError("whatever the text says: forbidden, not found", { reason, status });
  assert.ok(isNotFound(error("not-found", 404)));
  assert.ok(isConflict(error("conflict", 409)));
  assert.ok(isForbidden(error("forbidden", 403)));
  assert.ok(!isForbidden(error("namespace-terminating", 403)), "a namespace going away is no RBAC");
  assert.ok(isNamespaceTerminating(error("namespace-terminating", 403)));
  assert.ok(isKindNotServed(error("kind-not-served")));
  assert.equal(reasonOf(error("unauthorized", 401)), "unauthorized");
  assert.equal(statusOf(error("unauthorized", 401)), 401);
  assert.ok(!isNotFound(new PlatformError("not found")), "no reason, no match on the text");
  assert.ok(!isNotFound(Object.assign(new Error("x"), { status: 404 })));
  assert.equal(reasonOf("a string"), undefined);
  for (
    const reason of ["timeout", "unreachable", "server-error", "throttled", "expired"] as const
  ) {
    assert.ok(isTransient(error(reason)), reason);
  }
  for (const reason of ["forbidden", "not-found", "invalid", undefined] as const) {
    assert.ok(!isTransient(error(reason)), String(reason));
  }
});

/** A plain web server (not Kubernetes): 404 for everything, or a page for /version. */
function webServer(handler: (request: Request) => Response) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

Deno.test("an endpoint that answers 404 to /version is not a Kubernetes API server", async () => {
  const web = webServer(() => new Response("404 page not found\n", { status: 404 }));
  try {
    const kubeconfig = await writeKubeconfig(web.url);
    await assert.rejects(Kube.connect({ kubeconfig }), (error: unknown) => {
      assert.ok(error instanceof PlatformError);
      assert.equal(error.reason, "not-kubernetes");
      assert.match(
        error.message,
        /is not a Kubernetes API server: it answers 404 to GET \/version/,
      );
      assert.doesNotMatch(`${error.message} ${error.hint}`, /kind is not installed/);
      assert.match(error.hint!, /server URL/);
      return true;
    });
  } finally {
    await web.close();
  }
});

Deno.test("an endpoint that answers /version with a web page is not a Kubernetes API server", async () => {
  const web = webServer(() => new Response("<html>hello</html>", { status: 200 }));
  try {
    const kubeconfig = await writeKubeconfig(web.url);
    await assert.rejects(Kube.connect({ kubeconfig }), (error: unknown) => {
      assert.ok(error instanceof PlatformError);
      assert.equal(error.reason, "not-kubernetes");
      assert.match(error.message, /not a Kubernetes API server/);
      return true;
    });
  } finally {
    await web.close();
  }
});

Deno.test("a failure answer becomes an error with status, reason, and no RBAC hint for a terminating namespace", async () => {
  const web = webServer((request) =>
    new URL(request.url).pathname === "/version"
      ? Response.json({ gitVersion: "v1.33.0", major: "1", minor: "33" })
      : new Response(TERMINATING, { status: 403, headers: { "content-type": "application/json" } })
  );
  try {
    const kube = await Kube.connect({ kubeconfig: await writeKubeconfig(web.url) });
    await assert.rejects(
      kube.apply({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "silly-demo", namespace: "alice" },
      }),
      (error: unknown) => {
        assert.ok(error instanceof PlatformError);
        assert.equal(error.status, 403);
        assert.equal(error.reason, "namespace-terminating");
        assert.match(error.message, /namespace alice is being deleted/);
        assert.doesNotMatch(error.message, /RBAC/);
        assert.doesNotMatch(error.hint!, /auth can-i/);
        assert.match(error.hint!, /wait until the namespace is gone/);
        return true;
      },
    );
  } finally {
    await web.close();
  }
});
