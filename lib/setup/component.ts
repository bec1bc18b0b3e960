/**
 * What a platform component is: a helm chart at a pinned version, its own
 * wait, and what setup does with it once its release is ready (Crossplane's
 * configurations, External Secrets' store). One file each in components/,
 * listed in components.ts; data only at load time, so `--help` and
 * completions read the list without loading the Kubernetes client.
 */
import type { IngressService } from "../../providers/clusters/provider.ts";
import type { SetupAction } from "./action.ts";
import type { SetupContext } from "./context.ts";

/** An ingress controller's specifics. */
export interface IngressController {
  /** The IngressClass name environments use. */
  className: string;
  /** The Service whose load-balancer address is the ingress address. */
  service: IngressService;
  /** Values where Services of type LoadBalancer get an address (clouds). */
  loadBalancerValues: Record<string, string>;
  /** Values where they do not (kind, kwok): host ports, since helm --wait would wait for an address forever. */
  hostPortValues: Record<string, string>;
}

/** A helm-installed component. */
export interface Component {
  /** Name used by --components, the release name and the stand-in chart's directory. */
  name: string;
  chart: string;
  /** Chart repository URL; undefined for an oci:// chart reference. */
  repo?: string;
  version: string;
  namespace: string;
  /** `--set` values on every provider. */
  values?: Record<string, string>;
  /** Set for ingress controllers, which --ingress chooses among. */
  ingress?: IngressController;
  /** The component's own wait, after helm's: Deployments (in its namespace) and CRDs. */
  ready: { deployments: string[]; crds: string[] };
  /**
   * The actions that follow its release (they need its CRDs), each removed
   * again before the release is uninstalled.
   */
  afterRelease?: (context: SetupContext) => SetupAction[];
}
