import assert from "node:assert/strict";
import { removeEnvFileKeys, withoutSetupKeys, writeEnvFile } from "../../lib/setup/env_file.ts";

const values = {
  KUBECONFIG: "/work/kubeconfig.yaml",
  PROVIDER: "kwok",
  INGRESS_IP: "127.0.0.1",
  INGRESS_HOST: "127.0.0.1.nip.io",
  INGRESS_CLASS_NAME: "contour",
};

Deno.test(".env from setup: the seed's export lines, other lines kept, a second write changes nothing", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/.env`;
  await Deno.writeTextFile(path, "# mine\nexport GITHUB_USER=octocat\nexport PROVIDER=kind\n");
  assert.equal(await writeEnvFile(path, values), true);
  assert.equal(
    await Deno.readTextFile(path),
    "# mine\nexport GITHUB_USER=octocat\nexport PROVIDER=kwok\n" +
      "export KUBECONFIG=/work/kubeconfig.yaml\nexport INGRESS_IP=127.0.0.1\n" +
      "export INGRESS_HOST=127.0.0.1.nip.io\nexport INGRESS_CLASS_NAME=contour\n",
  );
  assert.equal(await writeEnvFile(path, values), false);
  const fresh = `${dir}/new.env`;
  assert.equal(await writeEnvFile(fresh, values), true, "a missing .env is created");
});

Deno.test(".env on destroy: setup's keys go when they describe this setup, the rest stays", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/.env`;
  const mine = "# mine\n\nexport GITHUB_USER=octocat\n";
  await Deno.writeTextFile(path, mine);
  await writeEnvFile(path, values);
  const owner = { provider: "kwok", kubeconfig: "/work/kubeconfig.yaml" };
  assert.equal(await removeEnvFileKeys(path, { ...owner, provider: "aws" }), "not ours");
  assert.equal(await removeEnvFileKeys(path, owner), "removed");
  assert.equal(await Deno.readTextFile(path), mine);
  assert.equal(await removeEnvFileKeys(path, owner), "absent");

  await Deno.writeTextFile(path, "");
  await writeEnvFile(path, values);
  assert.equal(await removeEnvFileKeys(path, owner), "removed");
  await assert.rejects(() => Deno.stat(path), Deno.errors.NotFound, "a .env only setup wrote goes");
  assert.equal(await removeEnvFileKeys(path, owner), "absent");
});

Deno.test(".env: a commented-out key of setup's is someone's note and stays", () => {
  assert.equal(
    withoutSetupKeys("# export KUBECONFIG=/old\nexport KUBECONFIG=/new\nPROVIDER=kwok\nX=1\n"),
    "# export KUBECONFIG=/old\nX=1\n",
  );
});
