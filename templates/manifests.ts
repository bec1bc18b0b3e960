/**
 * Plain manifests for clusters without Crossplane (and the local default):
 * Deployment, Service and Ingress, plus an ExternalSecret when a db secret
 * is named.
 */
import type { KubeObject } from "../lib/kube/types.ts";
import { LABELS } from "../lib/identity.ts";
import { objectMeta, type Rendered, type RenderParams, type Template } from "./template.ts";

/** The plain-manifests template. */
export const manifestsTemplate: Template = {
  name: "manifests",
  description: "Deployment, Service, Ingress (+ ExternalSecret with --db); no Crossplane needed",
  render(params: RenderParams): Rendered {
    const { identity } = params;
    const meta = (name: string) => objectMeta(identity, name, "manifests");
    const selector = { [LABELS.name]: identity.app, [LABELS.instance]: identity.id };
    const dbSecretName = `${identity.name}-db`;

    const container: Record<string, unknown> = {
      name: identity.app,
      image: `${params.image}:${params.tag}`,
      ports: [{ name: "http", containerPort: params.port, protocol: "TCP" }],
      env: [{ name: "PORT", value: String(params.port) }],
      readinessProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 5 },
      resources: { requests: { cpu: "50m", memory: "64Mi" } },
    };
    if (params.db) container.envFrom = [{ secretRef: { name: dbSecretName } }];

    const deployment: KubeObject = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta(identity.name),
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...identity.labels } },
          spec: { containers: [container] },
        },
      },
    };
    const service: KubeObject = {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(identity.name),
      spec: {
        selector,
        ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
      },
    };
    const ingress: KubeObject = {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: meta(identity.name),
      spec: {
        ingressClassName: params.ingressClassName,
        rules: [{
          host: identity.host,
          http: {
            paths: [{
              path: "/",
              pathType: "Prefix",
              backend: { service: { name: identity.name, port: { name: "http" } } },
            }],
          },
        }],
      },
    };
    const manifests = [deployment, service, ingress];
    if (params.db) {
      manifests.unshift({
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        metadata: meta(dbSecretName),
        spec: {
          refreshInterval: "1h",
          secretStoreRef: { kind: "ClusterSecretStore", name: params.db.storeName },
          target: { name: dbSecretName, creationPolicy: "Owner" },
          dataFrom: [{ extract: { key: params.db.secret } }],
        },
      });
    }
    return {
      manifests,
      workload: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: identity.name,
        namespace: identity.namespace,
      },
      readiness: "deployment-available",
    };
  },
};
