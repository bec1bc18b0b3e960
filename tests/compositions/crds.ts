/**
 * The three CRDs the stand-in serves: the AppClaim (the same file the other
 * tests install, tests/fixtures/crds/appclaim.yaml), its composite `App`,
 * and provider-kubernetes' `Object` (kubernetes.crossplane.io/v1alpha2).
 * Each carries {@linkcode STANDIN_LABEL}, so the stand-in only ever removes
 * CRDs it installed.
 *
 * @module
 */
import { parse } from "yaml";
import type { KubeObject } from "../../lib/kube/types.ts";
import { CLAIM, COMPOSITE, OBJECT } from "./compose.ts";

/** Field manager of the stand-in's CRDs. */
export const CRD_MANAGER = "platform-test-compositions";
/** Label on every CRD the stand-in installs: `app.kubernetes.io/managed-by: <CRD_MANAGER>`. */
export const STANDIN_LABEL = { "app.kubernetes.io/managed-by": CRD_MANAGER } as const;

const APPCLAIM_CRD = new URL("../fixtures/crds/appclaim.yaml", import.meta.url);

/** A CRD's name: `<plural>.<group>`. */
export function crdName(kind: { apiVersion: string; plural: string }): string {
  return `${kind.plural}.${kind.apiVersion.split("/")[0]}`;
}

/** The CRDs, in the order they are installed (Objects and composites before claims). */
export async function standinCrds(): Promise<KubeObject[]> {
  const appClaim = parse(await Deno.readTextFile(APPCLAIM_CRD)) as KubeObject;
  const label = (crd: KubeObject): KubeObject => ({
    ...crd,
    metadata: { ...crd.metadata, labels: { ...crd.metadata.labels, ...STANDIN_LABEL } },
  });
  return [objectCrd(), compositeCrd(), appClaim].map(label);
}

const conditionColumns = [
  { name: "SYNCED", type: "string", jsonPath: ".status.conditions[?(@.type=='Synced')].status" },
  { name: "READY", type: "string", jsonPath: ".status.conditions[?(@.type=='Ready')].status" },
];

const statusSchema = { type: "object", "x-kubernetes-preserve-unknown-fields": true };

/** provider-kubernetes' Object, as v1alpha2 (the version the seed's composition writes). */
function objectCrd(): KubeObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: crdName(OBJECT) },
    spec: {
      group: OBJECT.apiVersion.split("/")[0],
      names: {
        kind: OBJECT.kind,
        listKind: `${OBJECT.kind}List`,
        plural: OBJECT.plural,
        singular: "object",
        categories: ["crossplane", "managed", "kubernetes"],
      },
      scope: "Cluster",
      versions: [{
        name: OBJECT.apiVersion.split("/")[1],
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: "KIND", type: "string", jsonPath: ".spec.forProvider.manifest.kind" },
          { name: "PROVIDERCONFIG", type: "string", jsonPath: ".spec.providerConfigRef.name" },
          ...conditionColumns,
          { name: "AGE", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                required: ["forProvider"],
                properties: {
                  forProvider: {
                    type: "object",
                    required: ["manifest"],
                    properties: {
                      manifest: {
                        type: "object",
                        "x-kubernetes-embedded-resource": true,
                        "x-kubernetes-preserve-unknown-fields": true,
                      },
                    },
                  },
                  providerConfigRef: {
                    type: "object",
                    properties: { name: { type: "string" } },
                  },
                  deletionPolicy: { type: "string", enum: ["Orphan", "Delete"] },
                  managementPolicies: { type: "array", items: { type: "string" } },
                  readiness: {
                    type: "object",
                    properties: { policy: { type: "string" } },
                  },
                },
              },
              status: statusSchema,
            },
          },
        },
      }],
    },
  };
}

/** The seed XRD's composite, `App` (cluster-scoped, Crossplane v1 style). */
function compositeCrd(): KubeObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: crdName(COMPOSITE) },
    spec: {
      group: COMPOSITE.apiVersion.split("/")[0],
      names: {
        kind: COMPOSITE.kind,
        listKind: `${COMPOSITE.kind}List`,
        plural: COMPOSITE.plural,
        singular: "app",
        categories: ["composite"],
      },
      scope: "Cluster",
      versions: [{
        name: COMPOSITE.apiVersion.split("/")[1],
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          ...conditionColumns,
          { name: "COMPOSITION", type: "string", jsonPath: ".spec.compositionRef.name" },
          { name: "AGE", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
              status: statusSchema,
            },
          },
        },
      }],
    },
  };
}

/** The claim CRD's name, for callers that wait on it. */
export const CLAIM_CRD: string = crdName(CLAIM);
/** The composite CRD's name. */
export const COMPOSITE_CRD: string = crdName(COMPOSITE);
/** The Object CRD's name. */
export const OBJECT_CRD: string = crdName(OBJECT);
