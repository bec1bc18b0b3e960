/**
 * The staging app: `apply dev staging` through the app's own template, so
 * setup ends with something answering; on destroy `uninstall dev staging`
 * (the namespace goes with the namespaces action), first, so a cloud
 * database is released before its cluster goes.
 */
import { applyDev } from "../../dev/apply.ts";
import { uninstallDev } from "../../dev/uninstall.ts";
import type { SetupAction } from "../action.ts";
import { type SetupContext, STAGING } from "../context.ts";
import { withinStep } from "../steps.ts";

/** The staging-app action. */
export function stagingAppAction(context: SetupContext): SetupAction {
  const className = context.ingress.className;
  const kubeconfig = context.helm.kubeconfig;
  const kubeContext = context.helm.kubeContext;
  return {
    name: "staging-app",
    install: {
      plan: () => ({
        detail: `apply dev ${STAGING} through the app's template (namespace ${STAGING}, ` +
          `ingress class ${className}), wait until ready`,
      }),
      run: async () => {
        const result = await applyDev(STAGING, {
          flags: {
            kubeconfig,
            context: kubeContext,
            namespace: STAGING,
            ingressHost: (await context.ingressAddress()).host,
            ingressClassName: className,
          },
          // PROVIDER: the store and template apply dev picks follow the provider set up.
          env: { ...context.env, KUBECONFIG: kubeconfig, PROVIDER: context.provider.name },
          cwd: context.cwd,
          reporter: withinStep(context.reporter),
        });
        return {
          changed: result.result !== "unchanged",
          detail: `${result.url} (${result.template}, ${result.result})`,
        };
      },
    },
    remove: {
      plan: () => ({ detail: `uninstall dev ${STAGING} (namespace ${STAGING})` }),
      run: async () => {
        const result = await uninstallDev(STAGING, {
          flags: { kubeconfig, context: kubeContext, namespace: STAGING },
          env: { ...context.env, KUBECONFIG: kubeconfig },
          cwd: context.cwd,
          keepNamespace: true,
          reporter: withinStep(context.reporter),
        });
        return {
          changed: result.result === "deleted",
          detail: result.result === "deleted"
            ? `${result.deleted.length} objects deleted`
            : "nothing to delete",
        };
      },
    },
  };
}
