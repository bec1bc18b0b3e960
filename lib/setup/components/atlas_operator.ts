/** The Atlas operator: database schemas as objects, for the seed's dot-sql compositions. */
import type { Component } from "../component.ts";

/** The atlas-operator component. */
export const atlasOperator: Component = {
  name: "atlas-operator",
  chart: "oci://ghcr.io/ariga/charts/atlas-operator",
  version: "0.7.11",
  namespace: "atlas-operator",
  ready: { deployments: ["atlas-operator"], crds: ["atlasschemas.db.atlasgo.io"] },
};
