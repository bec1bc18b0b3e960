/** The first step of setup and destroy: the provider's CLI and credentials, and helm. */
import { run } from "../run.ts";
import type { SetupContext } from "./context.ts";
import type { Step } from "./steps.ts";

/** Checks what the provider needs (with install or login hints) and that helm runs. */
export function preflightStep(
  context: SetupContext,
  purpose: "setup" | "destroy" = "setup",
): Step {
  const { provider, providerContext } = context;
  return {
    name: "preflight",
    check: true,
    plan: () => ({
      detail: `check that the ${provider.name} provider's CLI and credentials are there, and helm`,
    }),
    run: async () => {
      await provider.preflight(providerContext, purpose);
      const version = await run([context.helm.helm, "version", "--short"], {
        env: context.runEnv,
        what: "check helm",
        hint:
          "install helm 3 (https://helm.sh/docs/intro/install/), or set PLATFORM_HELM to its path",
      });
      return {
        changed: false,
        detail: `${provider.name} is ready to use; helm ${version.stdout.trim()}`,
      };
    },
  };
}
