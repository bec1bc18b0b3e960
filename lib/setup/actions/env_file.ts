/**
 * `.env` in the seed's format: setup writes its keys (KUBECONFIG, PROVIDER,
 * the ingress address and class) and keeps every other line; destroy takes
 * them out again when they still describe this setup, cluster or not.
 */
import type { SetupAction } from "../action.ts";
import type { SetupContext } from "../context.ts";
import { ENV_KEYS, removeEnvFileKeys, writeEnvFile } from "../env_file.ts";

/** The env-file action. */
export function envFileAction(context: SetupContext): SetupAction {
  const path = `${context.cwd}/.env`;
  return {
    name: "env-file",
    install: {
      plan: () => ({ detail: `write ${ENV_KEYS.join(", ")} to ${path}, keeping its other lines` }),
      run: async () => {
        const address = await context.ingressAddress();
        const changed = await writeEnvFile(path, {
          KUBECONFIG: context.helm.kubeconfig,
          PROVIDER: context.provider.name,
          INGRESS_IP: address.ip,
          INGRESS_HOST: address.host,
          INGRESS_CLASS_NAME: context.ingress.className,
        });
        return {
          changed,
          detail: changed ? `${path} written (source .env)` : `${path} is current`,
        };
      },
    },
    remove: {
      withoutCluster: true,
      plan: () => ({ detail: `remove ${ENV_KEYS.join(", ")} from ${path} if they point here` }),
      run: async () => {
        const result = await removeEnvFileKeys(path, {
          provider: context.provider.name,
          kubeconfig: context.helm.kubeconfig,
        });
        return {
          changed: result === "removed",
          detail: result === "removed"
            ? `setup's keys removed from ${path}; other lines kept`
            : result === "not ours"
            ? `${path} describes another setup; left alone`
            : `nothing of setup's in ${path}`,
        };
      },
    },
  };
}
