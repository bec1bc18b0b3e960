/**
 * What the stand-in composes, as pure functions: which Composition a claim
 * selects, the composite (XR) it binds, the provider-kubernetes `Object`s the
 * seed's composition (vfarcic/crossplane-app, `kcl/backend-resources.k`)
 * renders for it, and the conditions Crossplane writes. No I/O here, so the
 * unit tests can pin the shapes other code (and other engineers) rely on.
 *
 * @module
 */
import type { KubeObject } from "../../lib/kube/types.ts";

/** The claim kind the platform renders (namespaced). */
export const CLAIM = {
  apiVersion: "devopstoolkit.live/v1alpha1",
  kind: "AppClaim",
  plural: "appclaims",
} as const;
/** The composite (XR) kind behind the claim (cluster-scoped), as the seed's XRD names it. */
export const COMPOSITE = {
  apiVersion: "devopstoolkit.live/v1alpha1",
  kind: "App",
  plural: "apps",
} as const;
/** provider-kubernetes' managed resource (cluster-scoped): one target manifest each. */
export const OBJECT = {
  apiVersion: "kubernetes.crossplane.io/v1alpha2",
  kind: "Object",
  plural: "objects",
} as const;

/** The one Composition the stand-in knows: the seed's `app-backend` and its labels. */
export const COMPOSITION = {
  name: "app-backend",
  labels: { type: "backend", location: "local" } as Record<string, string>,
};

/** Crossplane's ownership labels on the composite and every composed resource. */
export const LABELS = {
  claimName: "crossplane.io/claim-name",
  claimNamespace: "crossplane.io/claim-namespace",
  composite: "crossplane.io/composite",
} as const;
/** Crossplane's pause annotation: `"true"` stops all reconciling of that object. */
export const PAUSED_ANNOTATION = "crossplane.io/paused";
/** Annotation naming a composed resource's place in the composition. */
export const RESOURCE_NAME_ANNOTATION = "crossplane.io/composition-resource-name";
/** Finalizer provider-kubernetes puts on every Object (it deletes the target first). */
export const OBJECT_FINALIZER = "finalizer.managedresource.crossplane.io";

/** The suffixes of the composed Objects, `<spec.id>-<suffix>`, as the seed names them. */
export const OBJECT_SUFFIXES = {
  deployment: "deployment",
  service: "service",
  ingress: "ingress",
  hpa: "hpa",
  externalSecret: "external-secret",
} as const;

/** The AppClaim fields the composition reads. */
export interface ClaimParameters {
  image: string;
  tag: string;
  port?: number;
  host?: string;
  ingressClassName?: string;
  /** Replicas when scaling is off (the seed's later `minReplicas`); default 1. */
  minReplicas?: number;
  scaling?: { enabled?: boolean; min?: number; max?: number };
  db?: { secret?: string; storeName?: string; name?: string };
}

/** An AppClaim as the stand-in reads it. */
export interface Claim extends KubeObject {
  metadata: KubeObject["metadata"] & { name: string; namespace: string; uid: string };
  spec: {
    id: string;
    compositionSelector?: { matchLabels?: Record<string, string> };
    compositionRef?: { name?: string };
    resourceRef?: { apiVersion?: string; kind?: string; name?: string };
    parameters: ClaimParameters;
  };
}

/** A standard condition as Crossplane writes it. */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

/** Whether an object carries `crossplane.io/paused: "true"`. */
export function isPaused(object: { metadata?: { annotations?: Record<string, string> } }): boolean {
  return object.metadata?.annotations?.[PAUSED_ANNOTATION] === "true";
}

/**
 * The Composition a claim selects: `spec.compositionRef.name` when set,
 * else the one whose labels match `spec.compositionSelector.matchLabels`
 * (no selector: the XRD's default, `app-backend`). An error message when
 * nothing matches, as Crossplane reports it on the claim.
 */
export function selectComposition(claim: Claim): { name: string } | { error: string } {
  const ref = claim.spec.compositionRef?.name;
  if (ref) {
    return ref === COMPOSITION.name ? { name: ref } : {
      error:
        `cannot select Composition: Composition.apiextensions.crossplane.io "${ref}" not found`,
    };
  }
  const wanted = claim.spec.compositionSelector?.matchLabels ?? {};
  const mismatch = Object.entries(wanted).filter(([key, value]) =>
    COMPOSITION.labels[key] !== value
  );
  if (mismatch.length > 0) {
    return {
      error: `cannot select Composition: no Composition matches the compositionSelector ${
        JSON.stringify(wanted)
      } (the stand-in serves ${COMPOSITION.name} with labels ${
        JSON.stringify(COMPOSITION.labels)
      })`,
    };
  }
  return { name: COMPOSITION.name };
}

/** Crossplane's name for a new claim's composite: `<claim name>-<5 random characters>`. */
export function compositeName(claim: Claim, random: () => number = Math.random): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  let suffix = "";
  for (let i = 0; i < 5; i++) suffix += alphabet[Math.floor(random() * alphabet.length)];
  return `${claim.metadata.name}-${suffix}`;
}

/** The claim's ownership labels, carried by the composite and every composed resource. */
export function ownershipLabels(claim: Claim, composite: string): Record<string, string> {
  return {
    [LABELS.claimName]: claim.metadata.name,
    [LABELS.claimNamespace]: claim.metadata.namespace,
    [LABELS.composite]: composite,
  };
}

/** The composite (XR) a claim binds: cluster-scoped, pointing back at its claim. */
export function composeComposite(
  claim: Claim,
  name: string,
  objectNames: string[],
): KubeObject {
  return {
    apiVersion: COMPOSITE.apiVersion,
    kind: COMPOSITE.kind,
    metadata: {
      name,
      // Crossplane propagates the claim's labels to its composite.
      labels: { ...claim.metadata.labels, ...ownershipLabels(claim, name) },
    },
    spec: {
      claimRef: {
        apiVersion: CLAIM.apiVersion,
        kind: CLAIM.kind,
        name: claim.metadata.name,
        namespace: claim.metadata.namespace,
      },
      compositionRef: { name: COMPOSITION.name },
      ...(claim.spec.compositionSelector
        ? { compositionSelector: claim.spec.compositionSelector }
        : {}),
      id: claim.spec.id,
      parameters: claim.spec.parameters,
      resourceRefs: objectNames.toSorted().map((objectName) => ({
        apiVersion: OBJECT.apiVersion,
        kind: OBJECT.kind,
        name: objectName,
      })),
    },
  };
}

/** One composed Object: its name, which suffix it is, and the manifest it wraps. */
export interface ComposedObject {
  suffix: string;
  object: KubeObject;
}

/**
 * The Objects the seed's composition renders for a claim: Deployment,
 * Service and Ingress always; an HPA when `scaling.enabled`; an
 * ExternalSecret when `db.secret` and `db.storeName` are set. Every target
 * lives in the claim's namespace and is named after the claim
 * (`metadata.name`), labelled `app.kubernetes.io/name: <claim name>`.
 */
export function composeObjects(
  claim: Claim,
  composite: { name: string; uid: string },
): ComposedObject[] {
  const name = claim.metadata.name;
  const namespace = claim.metadata.namespace;
  const id = claim.spec.id;
  const p = claim.spec.parameters;
  const port = p.port ?? 80;
  const labels = { "app.kubernetes.io/name": name };
  const scaling = p.scaling?.enabled === true;

  const container: Record<string, unknown> = {
    name: "main",
    image: `${p.image}:${p.tag}`,
    livenessProbe: { httpGet: { path: "/", port }, failureThreshold: 10 },
    readinessProbe: { httpGet: { path: "/", port }, failureThreshold: 10 },
    resources: {
      limits: { cpu: "250m", memory: "256Mi" },
      requests: { cpu: "125m", memory: "128Mi" },
    },
    ports: [{ containerPort: port }],
  };
  if (p.db?.secret) {
    const secretKey = (key: string, optional = false) => ({
      valueFrom: {
        secretKeyRef: { key, name: p.db!.secret, ...(optional ? { optional: true } : {}) },
      },
    });
    container.env = [
      { name: "DB_ENDPOINT", ...secretKey("endpoint") },
      { name: "DB_PASSWORD", ...secretKey("password") },
      { name: "DB_PORT", ...secretKey("port", true) },
      { name: "DB_USERNAME", ...secretKey("username") },
      { name: "DB_NAME", value: p.db.name ?? id },
    ];
  }

  const manifests: [string, KubeObject][] = [
    [OBJECT_SUFFIXES.deployment, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace, labels },
      spec: {
        // With scaling the HPA owns the replica count, so the manifest leaves it out.
        ...(scaling ? {} : { replicas: p.minReplicas ?? 1 }),
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [container] } },
      },
    }],
    [OBJECT_SUFFIXES.service, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace, labels },
      spec: {
        type: "ClusterIP",
        ports: [{ port, targetPort: port, protocol: "TCP", name: "http" }],
        selector: labels,
      },
    }],
    [OBJECT_SUFFIXES.ingress, {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: {
        name,
        namespace,
        labels,
        annotations: {
          "ingress.kubernetes.io/ssl-redirect": "false",
          "dev.okteto.com/generate-host": "true",
        },
      },
      spec: {
        ...(p.ingressClassName ? { ingressClassName: p.ingressClassName } : {}),
        rules: [{
          host: p.host ?? "devopstoolkit.live",
          http: {
            paths: [{
              path: "/",
              pathType: "ImplementationSpecific",
              backend: { service: { name, port: { number: port } } },
            }],
          },
        }],
      },
    }],
  ];
  if (scaling) {
    const utilization = (resource: string) => ({
      type: "Resource",
      resource: { name: resource, target: { type: "Utilization", averageUtilization: 80 } },
    });
    manifests.push([OBJECT_SUFFIXES.hpa, {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name, namespace, labels },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
        minReplicas: p.scaling?.min ?? p.minReplicas ?? 1,
        maxReplicas: p.scaling?.max ?? 10,
        metrics: [utilization("cpu"), utilization("memory")],
      },
    }]);
  }
  if (p.db?.secret && p.db.storeName) {
    manifests.push([OBJECT_SUFFIXES.externalSecret, {
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { name: p.db.secret, namespace },
      spec: {
        dataFrom: [{
          extract: {
            conversionStrategy: "Default",
            decodingStrategy: "None",
            key: p.db.secret,
            metadataPolicy: "None",
          },
        }],
        refreshInterval: "1h",
        secretStoreRef: { kind: "ClusterSecretStore", name: p.db.storeName },
        target: { creationPolicy: "Owner", deletionPolicy: "Retain", name: p.db.secret },
      },
    }]);
  }

  return manifests.map(([suffix, manifest]) => {
    const objectName = `${id}-${suffix}`;
    return {
      suffix,
      object: {
        apiVersion: OBJECT.apiVersion,
        kind: OBJECT.kind,
        metadata: {
          name: objectName,
          labels: ownershipLabels(claim, composite.name),
          annotations: {
            [RESOURCE_NAME_ANNOTATION]: objectName,
            "crossplane.io/external-name": objectName,
          },
          ownerReferences: [{
            apiVersion: COMPOSITE.apiVersion,
            kind: COMPOSITE.kind,
            name: composite.name,
            uid: composite.uid,
            controller: true,
            blockOwnerDeletion: true,
          }],
        },
        spec: {
          forProvider: { manifest },
          providerConfigRef: { name: `${id}-app` },
          deletionPolicy: "Delete",
          managementPolicies: ["*"],
          readiness: { policy: "SuccessfulCreate" },
        },
      },
    };
  });
}

/** The target an Object wraps: apiVersion, kind, namespace and name from its manifest. */
export function targetOf(
  object: KubeObject,
): { apiVersion: string; kind: string; namespace?: string; name: string } | undefined {
  const manifest = object.spec?.forProvider?.manifest as KubeObject | undefined;
  if (!manifest?.apiVersion || !manifest.kind) return undefined;
  return {
    apiVersion: manifest.apiVersion,
    kind: manifest.kind,
    namespace: manifest.metadata?.namespace,
    name: manifest.metadata?.name ?? object.metadata.name ?? "",
  };
}

/** Whether a Deployment has rolled out its current generation and is Available. */
export function deploymentAvailable(deployment: KubeObject | undefined): boolean {
  if (!deployment?.status) return false;
  const observed = (deployment.status.observedGeneration ?? 0) >=
    (deployment.metadata.generation ?? 0);
  const available = (deployment.status.conditions ?? []).some((c: Condition) =>
    c.type === "Available" && c.status === "True"
  );
  return observed && available;
}

/**
 * The next conditions: `next` replaces conditions of the same type, keeping
 * a condition's lastTransitionTime while its status is unchanged; others
 * are kept as they were.
 */
export function mergeConditions(
  previous: Condition[] | undefined,
  next: Condition[],
  now: string,
): Condition[] {
  const byType = new Map((previous ?? []).map((c) => [c.type, c]));
  for (const condition of next) {
    const before = byType.get(condition.type);
    byType.set(condition.type, {
      ...condition,
      lastTransitionTime: before?.status === condition.status && before.lastTransitionTime
        ? before.lastTransitionTime
        : now,
    });
  }
  return [...byType.values()];
}

/** Whether two condition lists say the same, ignoring transition times. */
export function sameConditions(a: Condition[] | undefined, b: Condition[] | undefined): boolean {
  const key = (list: Condition[] | undefined) =>
    JSON.stringify(
      (list ?? []).map((c) => [c.type, c.status, c.reason, c.message ?? "", c.observedGeneration])
        .sort(),
    );
  return key(a) === key(b);
}
