/**
 * The one list setup walks forward and destroy walks backwards: the
 * cluster, each selected component (its release, then what follows it),
 * the namespaces, the ingress address, the staging app and `.env`.
 */
import type { SetupAction } from "./action.ts";
import { clusterAction } from "./actions/cluster.ts";
import { envFileAction } from "./actions/env_file.ts";
import { helmReleaseAction } from "./actions/helm_release.ts";
import { ingressAddressAction } from "./actions/ingress_address.ts";
import { namespacesAction } from "./actions/namespaces.ts";
import { stagingAppAction } from "./actions/staging_app.ts";
import type { SetupContext } from "./context.ts";

/** The platform's actions for this run, in setup's order. */
export function platformActions(context: SetupContext): SetupAction[] {
  return [
    clusterAction(context),
    ...context.components.flatMap((component) => [
      helmReleaseAction(context, component),
      ...component.afterRelease?.(context) ?? [],
    ]),
    namespacesAction(context),
    ingressAddressAction(context),
    stagingAppAction(context),
    envFileAction(context),
  ];
}
