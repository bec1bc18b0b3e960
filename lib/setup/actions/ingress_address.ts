/**
 * The ingress address: a check, not a change. The provider either knows
 * it (local clusters: 127.0.0.1) or awaits the ingress Service's load
 * balancer. Nothing to remove.
 */
import type { SetupAction } from "../action.ts";
import type { SetupContext } from "../context.ts";

/** The ingress-address action. */
export function ingressAddressAction(context: SetupContext): SetupAction {
  const { provider } = context;
  const service = `${context.ingress.service.namespace}/${context.ingress.service.name}`;
  return {
    name: "ingress-address",
    check: true,
    install: {
      plan: () => ({
        detail: provider.loadBalancer
          ? `wait for the load-balancer address of Service ${service}; environments under <ip>.nip.io`
          : `${provider.name} serves ingress on 127.0.0.1: environments under 127.0.0.1.nip.io`,
      }),
      run: async () => {
        const address = await context.ingressAddress();
        return {
          changed: false,
          detail: provider.loadBalancer
            ? `${address.host} (load balancer of Service ${service})`
            : `${address.host} (${provider.name} is local: fixed)`,
        };
      },
    },
  };
}
