/**
 * The main job on the local default, as one command (`./denow task demo`):
 * start (or reuse) the local cluster, apply alice's environment of the
 * example app, and list what is there. Safe to run again: the second run
 * reports everything unchanged.
 */
import { ensureCluster, KUBECONFIG_PATH } from "../tests/cluster/cluster.ts";
import { main, processIo } from "../commands/cli.ts";

await ensureCluster();
const io = processIo();
io.env = { ...io.env, KUBECONFIG: KUBECONFIG_PATH };
const user = Deno.args[0] ?? "alice";

let code = await main(["apply", "dev", user, "--no-session"], io);
if (code === 0) code = await main(["list", "dev"], io);
if (code === 0) {
  console.error(
    `\nnext: export KUBECONFIG=${KUBECONFIG_PATH}; then see README.md (platform status dev ${user}, ...)`,
  );
}
Deno.exit(code);
