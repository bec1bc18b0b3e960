import assert from "node:assert/strict";
import { EXIT_USAGE, mergeSettings, PlatformError } from "../../mod.ts";
import { validateSettings } from "../../lib/settings.ts";
import {
  assertValid,
  dnsLabelProblem,
  HOST_PATTERN,
  hostProblem,
  IMAGE_PATTERN,
  imageProblem,
  TAG_PATTERN,
  tagProblem,
} from "../../lib/validate.ts";
import { devIdentity } from "../../lib/identity.ts";
import { runCli } from "../helpers/cli.ts";

const GOOD_HOSTS = ["127.0.0.1.nip.io", "example.com", "a", "x-1.y-2.z", `${"a".repeat(63)}.io`];
const BAD_HOSTS = [
  "alice.silly-demo.Evil Host/../x",
  "Example.com",
  "http://example.com",
  "example.com:8080",
  "-a.example.com",
  "a-.example.com",
  "a..b",
  ".a",
  "a.",
  "",
  `${"a".repeat(64)}.io`,
  `${"a.".repeat(127)}ab`, // 256 characters
  "a\u001b[31m.io",
];

Deno.test("a host must be a DNS-1123 subdomain: lower case, labels of at most 63, 253 in all", () => {
  for (const host of GOOD_HOSTS) assert.equal(hostProblem(host), undefined, host);
  for (const host of BAD_HOSTS) assert.ok(hostProblem(host), `${JSON.stringify(host)} refused`);
  assert.match(hostProblem("alice.silly-demo.Evil Host/../x")!, /characters .*" ", "\/"/);
  assert.match(hostProblem("Example.com")!, /capital letters/);
  assert.match(hostProblem("http://example.com")!, /scheme/);
  assert.match(hostProblem(`${"a".repeat(64)}.io`)!, /64 characters; at most 63/);
});

const GOOD_IMAGES = [
  "nginx",
  "ghcr.io/vfarcic/idp-full-demo",
  "localhost:5000/app",
  "registry.example.com:443/team/app_name",
  "docker.io/library/a__b",
  "a/b.c/d--e",
  "Registry.Example.com/app",
];
const BAD_IMAGES = [
  "x y:$(id)",
  "nginx:1.2",
  "ghcr.io/a/b@sha256:" + "0".repeat(64),
  "Nginx",
  "ghcr.io/Team/app",
  "a//b",
  "/a",
  "a/",
  "a/-b",
  "a/b_",
  "a/b___c",
  "registry:port/app",
  "",
  "a/" + "b".repeat(254),
];

Deno.test("an image is an OCI repository: [registry[:port]/]path with lower-case components", () => {
  for (const image of GOOD_IMAGES) assert.equal(imageProblem(image), undefined, image);
  for (const image of BAD_IMAGES) {
    assert.ok(imageProblem(image), `${JSON.stringify(image)} refused`);
  }
  assert.match(imageProblem("x y:$(id)")!, /characters .*" ", "\$", "\(", "\)"/);
  assert.match(imageProblem("nginx:1.2")!, /tag \(":1\.2"\), which goes in --tag/);
  assert.match(imageProblem("registry:port/app")!, /port digits only/);
});

const GOOD_TAGS = ["0.0.5", "latest", "v1.2.3-rc.1", "_x", "A".repeat(128)];
const BAD_TAGS = [
  "",
  ".x",
  "-x",
  "a;b",
  "a b",
  "$(id)",
  "A".repeat(129),
  "sha256:" + "0".repeat(64),
];

Deno.test("a tag is a word character, then at most 127 of word characters, '.' and '-'", () => {
  for (const tag of GOOD_TAGS) assert.equal(tagProblem(tag), undefined, tag);
  for (const tag of BAD_TAGS) assert.ok(tagProblem(tag), `${JSON.stringify(tag)} refused`);
  assert.match(tagProblem("sha256:" + "0".repeat(64))!, /digest, not a tag/);
});

Deno.test("the patterns used by the platform.yaml schema accept exactly what the checks accept", () => {
  const cases: [RegExp, (value: string) => string | undefined, string[]][] = [
    [HOST_PATTERN, hostProblem, [...GOOD_HOSTS, ...BAD_HOSTS.filter((h) => h.length <= 253)]],
    [IMAGE_PATTERN, imageProblem, [...GOOD_IMAGES, ...BAD_IMAGES.filter((i) => i.length <= 255)]],
    [TAG_PATTERN, tagProblem, [...GOOD_TAGS, ...BAD_TAGS]],
  ];
  for (const [pattern, problem, values] of cases) {
    for (const value of values) {
      assert.equal(pattern.test(value), problem(value) === undefined, JSON.stringify(value));
    }
  }
});

Deno.test("a cluster name must be a DNS-1123 label", () => {
  assert.equal(dnsLabelProblem("platform"), undefined);
  assert.match(dnsLabelProblem("Bad_Name")!, /capital/);
  assert.match(dnsLabelProblem("a.b")!, /dots/);
});

Deno.test("a refused value is a usage error naming what, why, where from and how to fix it", () => {
  assert.throws(
    () => assertValid("host", "ingress host", "Evil.Host", "INGRESS_HOST in .env"),
    (error: unknown) => {
      assert.ok(error instanceof PlatformError);
      assert.equal(error.exitCode, EXIT_USAGE);
      assert.match(
        error.message,
        /invalid ingress host "Evil\.Host" \(from INGRESS_HOST in \.env\): it has capital letters/,
      );
      assert.match(error.hint!, /DNS-1123 subdomain.*for example "evil\.host"/);
      return true;
    },
  );
});

Deno.test("merged settings with a bad image, tag or ingress host are refused, naming the source", () => {
  const base = { baseDir: "/repo", dotenv: {}, env: {}, flags: {} };
  assert.doesNotThrow(() => validateSettings(mergeSettings(base)));
  const refused = (layers: Partial<typeof base> & Record<string, unknown>, pattern: RegExp) =>
    assert.throws(
      () => validateSettings(mergeSettings({ ...base, ...layers })),
      (error: unknown) => {
        assert.ok(error instanceof PlatformError);
        assert.equal(error.exitCode, EXIT_USAGE);
        assert.match(error.message, pattern);
        return true;
      },
    );
  refused({ flags: { image: "x y:$(id)" } }, /invalid image "x y:\$\(id\)"/);
  refused({ flags: { tag: "1;rm" } }, /invalid image tag "1;rm"/);
  refused({ env: { INGRESS_HOST: "Evil Host" } }, /from INGRESS_HOST in the environment/);
  refused({ dotenv: { INGRESS_HOST: "a/b" } }, /from INGRESS_HOST in \.env/);
});

Deno.test("an environment's host longer than 253 characters is refused", () => {
  const ingressHost = `${"a".repeat(60)}.`.repeat(4) + "io"; // 246 characters
  assert.throws(
    () => devIdentity("alice", "silly-demo", { ingressHost }),
    (error: unknown) =>
      error instanceof PlatformError && error.exitCode === EXIT_USAGE &&
      /at most 253 fit a host name/.test(error.message),
  );
});

Deno.test("apply dev refuses a bad --image, --tag or --ingress-host before reading or contacting anything", async () => {
  const cwd = await Deno.makeTempDir();
  try {
    for (
      const [flag, value, pattern] of [
        ["--image", "x y:$(id)", /invalid image "x y:\$\(id\)"/],
        ["--tag", "$(id)", /invalid image tag/],
        ["--ingress-host", "alice.silly-demo.Evil Host/../x", /invalid ingress host/],
      ] as const
    ) {
      // The kubeconfig points nowhere: a request would fail with exit 1, not 2.
      const result = await runCli(
        ["apply", "dev", "alice", "--no-session", flag, value],
        { cwd, env: { KUBECONFIG: `${cwd}/missing.yaml` } },
      );
      assert.equal(result.code, EXIT_USAGE, result.stderr);
      assert.match(result.stderr, pattern);
      assert.match(result.stderr, /^hint: /m);
    }
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("apply dev refuses a bad INGRESS_HOST from the environment with exit 2, before any request", async () => {
  const cwd = await Deno.makeTempDir();
  try {
    const result = await runCli(["apply", "dev", "alice", "--no-session"], {
      cwd,
      env: { KUBECONFIG: `${cwd}/missing.yaml`, INGRESS_HOST: "Evil Host" },
    });
    assert.equal(result.code, EXIT_USAGE, result.stderr);
    assert.match(result.stderr, /invalid ingress host "Evil Host" \(from INGRESS_HOST/);
    assert.match(result.stderr, /hint: an ingress host must be a DNS-1123 subdomain/);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("setup refuses a cluster name that is not a DNS-1123 label, before any step", async () => {
  const cwd = await Deno.makeTempDir();
  try {
    const result = await runCli(["setup", "--cluster-name", "Prod Cluster", "--dry-run"], {
      cwd,
      env: {},
    });
    assert.equal(result.code, EXIT_USAGE, result.stderr);
    assert.match(result.stderr, /invalid cluster name "Prod Cluster"/);
    assert.match(result.stderr, /DNS-1123 label/);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
