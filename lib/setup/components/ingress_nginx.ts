/** ingress-nginx, the ingress controller of `--ingress nginx`. */
import type { Component } from "../component.ts";

/** The ingress-nginx component. */
export const ingressNginx: Component = {
  name: "ingress-nginx",
  chart: "ingress-nginx",
  repo: "https://kubernetes.github.io/ingress-nginx",
  version: "4.12.3",
  namespace: "ingress-nginx",
  ingress: {
    className: "nginx",
    service: { namespace: "ingress-nginx", name: "ingress-nginx-controller" },
    loadBalancerValues: { "controller.service.type": "LoadBalancer" },
    hostPortValues: {
      "controller.service.type": "NodePort",
      "controller.hostPort.enabled": "true",
    },
  },
  ready: { deployments: ["ingress-nginx-controller"], crds: [] },
};
