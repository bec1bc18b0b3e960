/** Traefik, the ingress controller of `--ingress traefik`. */
import type { Component } from "../component.ts";

/** The traefik component. */
export const traefik: Component = {
  name: "traefik",
  chart: "traefik",
  repo: "https://traefik.github.io/charts",
  version: "35.4.0",
  namespace: "traefik",
  ingress: {
    className: "traefik",
    service: { namespace: "traefik", name: "traefik" },
    loadBalancerValues: { "service.type": "LoadBalancer" },
    hostPortValues: {
      "service.type": "NodePort",
      "ports.web.hostPort": "80",
      "ports.websecure.hostPort": "443",
    },
  },
  ready: { deployments: ["traefik"], crds: ["ingressroutes.traefik.io"] },
};
