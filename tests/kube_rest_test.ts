/**
 * The REST fast path (lib/kube/rest.ts) against the real test cluster:
 * client-certificate and ServiceAccount-token kubeconfigs are served by
 * Deno's own fetch, without client-node; what it declines (an exec
 * credential plugin, insecure-skip-tls-verify) still works through
 * client-node, which is then loaded for exec and port-forward on demand.
 */
import assert from "node:assert/strict";
import { Kube } from "../mod.ts";
import { readKubeconfigs } from "../lib/kube/kubeconfig.ts";
import { restDeclines } from "../lib/kube/rest.ts";
import { testCluster } from "./helpers/cluster.ts";
import { startHttp1Front } from "./helpers/http1_front.ts";

const cluster = await testCluster();
const admin = await Kube.connect({ kubeconfig: cluster.kubeconfigPath });
const { document } = readKubeconfigs(cluster.kubeconfigPath);
const clusterEntry = document.clusters![0].cluster as Record<string, string>;
const userEntry = document.users![0].user as Record<string, string>;
const server = clusterEntry.server;
const base64 = async (path: string) => btoa(await Deno.readTextFile(path));
const caData = clusterEntry["certificate-authority-data"] ??
  await base64(clusterEntry["certificate-authority"]);

// client-node keeps HTTP connections alive between requests; Deno's
// sanitizers would report those pooled sockets as leaks of each test.
const relaxed = { sanitizeOps: false, sanitizeResources: false };

/** Writes a one-context kubeconfig into a fresh directory; returns its path. */
async function kubeconfigWith(
  cluster: Record<string, unknown>,
  user: Record<string, unknown>,
  files: Record<string, string> = {},
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "platform-rest-test-" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  const path = `${dir}/kubeconfig.yaml`;
  await Deno.writeTextFile(
    path,
    [
      "apiVersion: v1",
      "kind: Config",
      `clusters: [{name: c, cluster: ${JSON.stringify(cluster)}}]`,
      `users: [{name: u, user: ${JSON.stringify(user)}}]`,
      "contexts: [{name: t, context: {cluster: c, user: u, namespace: rest-home}}]",
      "current-context: t",
    ].join("\n"),
  );
  return path;
}

/** A kubeconfig whose server is a port nobody listens on (it was free a moment ago). */
async function refusedKubeconfig(): Promise<{ port: number; path: string }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const path = await kubeconfigWith(
    { server: `https://127.0.0.1:${port}`, "certificate-authority-data": caData },
    { token: "t" },
  );
  return { port, path };
}

/** A ServiceAccount allowed to view `namespace` only, and a token for it from kubectl. */
async function viewerToken(namespace: string): Promise<string> {
  await admin.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
  await admin.apply({
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "viewer", namespace },
  });
  await admin.apply({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "viewer", namespace },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    subjects: [{ kind: "ServiceAccount", name: "viewer", namespace }],
  });
  const output = await new Deno.Command(cluster.kubectlPath, {
    args: [
      "--kubeconfig",
      cluster.kubeconfigPath,
      "create",
      "token",
      "viewer",
      "-n",
      namespace,
      "--duration",
      "10m",
    ],
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout).trim();
}

Deno.test("a client-certificate kubeconfig is served by the REST fast path: read, apply, watch, delete", async () => {
  assert.equal(restDeclines(document), undefined);
  // Inline certificates (the -data fields) as well as the test cluster's files.
  const inline = await kubeconfigWith(
    { server, "certificate-authority-data": caData },
    {
      "client-certificate-data": await base64(userEntry["client-certificate"]),
      "client-key-data": await base64(userEntry["client-key"]),
    },
  );
  const namespace = `rest-${crypto.randomUUID().slice(0, 6)}`;
  for (const path of [cluster.kubeconfigPath, inline]) {
    const kube = await Kube.connect({ kubeconfig: path });
    assert.equal(kube.via, "rest", path);
    assert.equal(kube.server, server);
    assert.ok((await kube.version()).gitVersion.startsWith("v1."));
  }
  const kube = await Kube.connect({ kubeconfig: inline });
  assert.equal(kube.namespace, "rest-home");
  const abort = new AbortController();
  try {
    await kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
    const watch = await kube.stream(`/api/v1/namespaces/${namespace}/configmaps`, {
      query: { watch: true },
      signal: abort.signal,
    });
    const configMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "fast", namespace },
      data: { path: "rest" },
    };
    assert.equal((await kube.apply(configMap)).action, "created");
    assert.equal((await kube.apply(configMap)).action, "unchanged");
    const reader = watch.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    while (!seen.includes("\n")) seen += (await reader.read()).value ?? "";
    assert.equal(JSON.parse(seen.split("\n")[0]).type, "ADDED");
    abort.abort();
    await reader.cancel().catch(() => {});
    const listed = await kube.list("v1", "ConfigMap", { namespace });
    assert.ok(listed.items.some((item) => item.metadata.name === "fast"));
    const ref = { apiVersion: "v1", kind: "ConfigMap", name: "fast", namespace };
    assert.equal(await kube.delete(ref), true);
    assert.equal(await kube.get(ref), undefined);
  } finally {
    abort.abort();
    await admin.delete({ apiVersion: "v1", kind: "Namespace", name: namespace });
  }
});

Deno.test("a ServiceAccount token kubeconfig is served by the REST fast path, and RBAC still answers", async () => {
  const namespace = `rest-sa-${crypto.randomUUID().slice(0, 6)}`;
  try {
    const token = await viewerToken(namespace);
    const withToken = await kubeconfigWith({ server, "certificate-authority-data": caData }, {
      token,
    });
    // tokenFile, relative to the kubeconfig's directory, as kubectl reads it.
    const withFile = await kubeconfigWith(
      { server, "certificate-authority-data": caData },
      { tokenFile: "token" },
      { token: `${token}\n` },
    );
    for (const path of [withToken, withFile]) {
      const kube = await Kube.connect({ kubeconfig: path });
      assert.equal(kube.via, "rest", path);
      const pods = await kube.list("v1", "Pod", { namespace });
      assert.deepEqual(pods.items, []);
      await assert.rejects(
        kube.list("v1", "Secret", { namespace: "kube-system" }),
        (error: { reason?: string; message: string }) => {
          assert.equal(error.reason, "forbidden");
          assert.match(error.message, /forbidden: list on Secret in namespace kube-system/);
          return true;
        },
      );
    }
    const wrong = await kubeconfigWith({ server, "certificate-authority-data": caData }, {
      token: "not-a-token",
    });
    await assert.rejects(
      Kube.connect({ kubeconfig: wrong }),
      /rejected the credentials of context t \(401 Unauthorized\)/,
    );
  } finally {
    await admin.delete({ apiVersion: "v1", kind: "Namespace", name: namespace });
  }
});

Deno.test(
  "what the fast path declines still works through client-node: an exec plugin, insecure TLS",
  relaxed,
  async () => {
    const namespace = `rest-node-${crypto.randomUUID().slice(0, 6)}`;
    try {
      const token = await viewerToken(namespace);
      const credential = JSON.stringify({
        apiVersion: "client.authentication.k8s.io/v1",
        kind: "ExecCredential",
        status: { token },
      });
      const plugin = await kubeconfigWith({ server, "certificate-authority-data": caData }, {
        exec: {
          apiVersion: "client.authentication.k8s.io/v1",
          command: "sh",
          args: ["-c", `echo '${credential}'`],
          interactiveMode: "Never",
        },
      });
      const insecure = await kubeconfigWith({ server, "insecure-skip-tls-verify": true }, {
        token,
      });
      for (const path of [plugin, insecure]) {
        const { document } = readKubeconfigs(path);
        assert.ok(restDeclines(document), path);
        const kube = await Kube.connect({ kubeconfig: path });
        assert.equal(kube.via, "client-node", path);
        assert.deepEqual((await kube.list("v1", "Pod", { namespace })).items, []);
      }
    } finally {
      await admin.delete({ apiVersion: "v1", kind: "Namespace", name: namespace });
    }
  },
);

Deno.test(
  "on the fast path, client-node loads only when exec or port-forward ask for it",
  relaxed,
  async () => {
    const kube = await Kube.connect({ kubeconfig: cluster.kubeconfigPath });
    assert.equal(kube.via, "rest");
    assert.throws(() => kube.config, /client for exec and port-forward is not loaded/);
    const { config, k8s } = await kube.clientNode();
    assert.equal(config.getCurrentCluster()?.server, server);
    assert.equal(kube.config, config);
    assert.ok(new kube.k8s.Exec(kube.config) instanceof k8s.Exec);
    assert.equal(kube.via, "rest", "requests stay on the fast path");
  },
);

Deno.test("the fast path names the server when it refuses connections or is not trusted", async () => {
  const { port, path: refused } = await refusedKubeconfig();
  await assert.rejects(
    Kube.connect({ kubeconfig: refused }),
    (error: { reason?: string; message: string }) => {
      assert.equal(error.reason, "unreachable");
      assert.match(
        error.message,
        new RegExp(
          `cannot reach the Kubernetes API server https://127.0.0.1:${port} .*connection refused`,
        ),
      );
      return true;
    },
  );
  // No certificate-authority: the test cluster's certificate is not trusted (by either path).
  const untrusted = await kubeconfigWith({ server }, { token: "t" });
  await assert.rejects(Kube.connect({ kubeconfig: untrusted }), /TLS failed/);
});

for (
  const [refuseAlpn, verify] of [[true, true], [false, true], [true, "lazy"], [
    false,
    "lazy",
  ]] as const
) {
  Deno.test(
    `behind a front that speaks only HTTP/1.1 (${
      refuseAlpn ? "refusing h2 in the TLS handshake" : "ignoring the h2 offer"
    }; ${
      verify === "lazy" ? "checked beside the first reads" : "checked first"
    }), the fast path falls back to HTTP/1.1 and works`,
    relaxed,
    async () => {
      const url = new URL(server);
      const front = startHttp1Front({
        target: { hostname: url.hostname, port: Number(url.port) },
        caFile: clusterEntry["certificate-authority"],
        certFile: userEntry["client-certificate"],
        keyFile: userEntry["client-key"],
        refuseAlpn,
      });
      try {
        const path = await kubeconfigWith({
          server: front.server,
          "certificate-authority-data": caData,
        }, {});
        const kube = await Kube.connect({ kubeconfig: path, verify });
        const [namespaces, version] = await Promise.all([
          kube.list("v1", "Namespace"),
          kube.version(),
          kube.list("v1", "ConfigMap", { namespace: "kube-system" }),
        ]);
        assert.equal(kube.via, "rest", "still the fast path, not client-node");
        assert.ok(namespaces.items.some((ns) => ns.metadata.name === "kube-system"));
        assert.match(version.gitVersion, /^v1\./);
        // Ignoring the offer, the front negotiates nothing, and the API server behind it reads
        // HTTP/1.1: the answers above could only come over HTTP/1.1.
        assert.ok(
          refuseAlpn
            ? front.negotiated.includes("http/1.1")
            : front.negotiated.length > 0 && front.negotiated.every((p) => p === null),
          `negotiated: ${JSON.stringify(front.negotiated)}`,
        );
      } finally {
        front.close();
      }
    },
  );
}

Deno.test(
  "checked beside the first reads, a connection fails them with the check's error: refused, unknown credentials, untrusted, not Kubernetes",
  relaxed,
  async () => {
    const { path: refused } = await refusedKubeconfig();
    const wrong = await kubeconfigWith({ server, "certificate-authority-data": caData }, {
      token: "not-a-token",
    });
    const untrusted = await kubeconfigWith({ server }, { token: "t" });
    // A web server that is not Kubernetes: 404 for everything, with the cluster's certificate.
    const web = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      cert: await Deno.readTextFile(userEntry["client-certificate"]),
      key: await Deno.readTextFile(userEntry["client-key"]),
      onListen: () => {},
    }, () => new Response("not here", { status: 404 }));
    try {
      const notKubernetes = await kubeconfigWith({
        server: `https://127.0.0.1:${web.addr.port}`,
        "certificate-authority-data": caData,
      }, { token: "t" });
      for (
        const [path, expected] of [
          [refused, /cannot reach the Kubernetes API server .*connection refused/],
          [wrong, /rejected the credentials of context t \(401 Unauthorized\)/],
          [untrusted, /TLS failed/],
          [notKubernetes, /is not a Kubernetes API server: it answers 404 to GET \/version/],
        ] as const
      ) {
        const kube = await Kube.connect({ kubeconfig: path, verify: "lazy" });
        await assert.rejects(kube.list("v1", "Namespace"), expected, path);
        await assert.rejects(
          kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "never" } }),
          expected,
          `${path}: a change waits for the check and reports its error`,
        );
      }
    } finally {
      await web.shutdown();
    }
  },
);

Deno.test("checked beside the first reads, a good connection sends the check and the reads at once", async () => {
  const kube = await Kube.connect({ kubeconfig: cluster.kubeconfigPath, verify: "lazy" });
  assert.equal(kube.requestCount, 1, "the check is on its way when connect returns");
  const [namespaces] = await Promise.all([kube.list("v1", "Namespace"), kube.list("v1", "Node")]);
  assert.ok(namespaces.items.length > 0);
  assert.equal(kube.requestCount, 3);
});
