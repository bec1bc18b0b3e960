import assert from "node:assert/strict";
import { parseDotenv, updateDotenv } from "../../mod.ts";

Deno.test(".env parsing reads the seed's `export KEY=value` lines, quotes and plain lines", () => {
  const text = [
    "# written by platform setup",
    "export KUBECONFIG=$PWD/kubeconfig.yaml",
    "export INGRESS_HOST='1.2.3.4.nip.io'",
    'PROVIDER="kwok"',
    "not a line",
  ].join("\n");
  assert.deepEqual(parseDotenv(text), {
    KUBECONFIG: "$PWD/kubeconfig.yaml",
    INGRESS_HOST: "1.2.3.4.nip.io",
    PROVIDER: "kwok",
  });
});

Deno.test(".env update replaces its own keys, appends new ones and keeps every other line", () => {
  const before = "# mine\nexport GITHUB_USER=me\nexport PROVIDER=kind\n\nexport OTHER=x\n";
  const after = updateDotenv(before, { PROVIDER: "kwok", INGRESS_HOST: "127.0.0.1.nip.io" });
  assert.equal(
    after,
    "# mine\nexport GITHUB_USER=me\nexport PROVIDER=kwok\n\nexport OTHER=x\nexport INGRESS_HOST=127.0.0.1.nip.io\n",
  );
  assert.equal(
    updateDotenv(after, { PROVIDER: "kwok" }),
    after,
    "a second identical update changes nothing",
  );
});

Deno.test(".env values with spaces or quotes are shell-quoted and read back unchanged", () => {
  const text = updateDotenv("", { A: "it's a value", B: "" });
  assert.equal(text, "export A='it'\\''s a value'\nexport B=''\n");
  const back = new Deno.Command("bash", { args: ["-c", `${text}\nprintf '%s|%s' "$A" "$B"`] })
    .outputSync();
  assert.equal(new TextDecoder().decode(back.stdout), "it's a value|");
});
