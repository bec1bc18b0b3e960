/** Contour, the default ingress controller (Envoy behind the Service contour-envoy). */
import type { Component } from "../component.ts";

/** The contour component. */
export const contour: Component = {
  name: "contour",
  chart: "contour",
  repo: "https://charts.bitnami.com/bitnami",
  version: "20.0.3",
  namespace: "contour",
  ingress: {
    className: "contour",
    service: { namespace: "contour", name: "contour-envoy" },
    loadBalancerValues: { "envoy.service.type": "LoadBalancer" },
    hostPortValues: {
      "envoy.service.type": "NodePort",
      "envoy.useHostPort.http": "true",
      "envoy.useHostPort.https": "true",
    },
  },
  ready: { deployments: ["contour-contour"], crds: ["httpproxies.projectcontour.io"] },
};
