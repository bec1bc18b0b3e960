/**
 * The compositions stand-in: a small controller with the behaviour of
 * Crossplane (claim → composite → composed resources, the seed's
 * `app-backend` composition) and provider-kubernetes (`Object`s whose
 * manifests are server-side applied and re-asserted), for the test cluster
 * only. README.md in this folder says what it imitates and where it differs.
 *
 * It touches nothing but its three CRDs, AppClaims (their spec.resourceRef,
 * spec.compositionRef and status, and the `foregroundDeletion` finalizer of
 * a claim being deleted), its composites (`App`), its `Object`s and the
 * targets those Objects name. Started detached by process.ts, which
 * hands it the cluster in PLATFORM_LOCAL_CLUSTER.
 *
 * @module
 */
import {
  type ApiClient,
  apiClient,
  ApiError,
  apply,
  listWatch,
  request,
  requestJson,
} from "../../providers/clusters/kwok/kube_api.ts";
import {
  CLUSTER_ENV,
  clusterPaths,
  type LocalCluster,
} from "../../providers/clusters/kwok/local_cluster.ts";
import { delay, removePath } from "../../providers/clusters/kwok/processes.ts";
import type { KubeObject } from "../../lib/kube/types.ts";
import {
  CLAIM,
  type Claim,
  composeComposite,
  composeObjects,
  COMPOSITE,
  compositeName,
  type Condition,
  deploymentAvailable,
  isPaused,
  LABELS,
  mergeConditions,
  OBJECT,
  OBJECT_FINALIZER,
  OBJECT_SUFFIXES,
  PAUSED_ANNOTATION,
  sameConditions,
  selectComposition,
  targetOf,
} from "./compose.ts";
import {
  CLAIM_CRD,
  COMPOSITE_CRD,
  CRD_MANAGER,
  OBJECT_CRD,
  STANDIN_LABEL,
  standinCrds,
} from "./crds.ts";
import { compositionsPaths, liveHolds, PINNED, POLL_ENV } from "./process.ts";

/** Field managers, named as Crossplane and provider-kubernetes (SSA mode) name theirs. */
const MANAGERS = {
  claim: "apiextensions.crossplane.io/claim",
  composed: (xrUid: string) => `apiextensions.crossplane.io/composed/${xrUid}`,
  provider: "managed.kubernetes.crossplane.io",
  target: (objectName: string) => `provider-kubernetes/${objectName}`,
};

const CLAIMS_PATH = `/apis/${CLAIM.apiVersion}/${CLAIM.plural}`;
const COMPOSITES_PATH = `/apis/${COMPOSITE.apiVersion}/${COMPOSITE.plural}`;
const OBJECTS_PATH = `/apis/${OBJECT.apiVersion}/${OBJECT.plural}`;
const CRDS_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

const claimPath = (namespace: string, name: string) =>
  `/apis/${CLAIM.apiVersion}/namespaces/${namespace}/${CLAIM.plural}/${name}`;

// ---------------------------------------------------------------- logging

let logFile: Deno.FsFile | undefined;
function log(message: string): void {
  const line = `${new Date().toISOString()} ${message}\n`;
  if (logFile) logFile.writeSync(new TextEncoder().encode(line));
  else console.error(line.trimEnd());
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A compact reason for a failed API call: the server's own message without the method and path. */
function apiMessage(e: unknown): string {
  const text = errorText(e);
  return text.replace(/^[A-Z]+ \S+: (HTTP \d+: )?/, "");
}

// ---------------------------------------------------------------- the controller

type Resource = { plural: string; namespaced: boolean };
type OwnerRef = { kind: string; name: string; uid: string; controller?: boolean };
type WatchedMeta = { metadata: { name: string; uid: string } };

class StandIn {
  readonly #kubeconfig: string;
  readonly #context: string;
  readonly #pollMs: number;
  readonly #claims = new Map<string, Claim>();
  readonly #composites = new Map<string, KubeObject>();
  readonly #objects = new Map<string, KubeObject>();
  readonly #deployments = new Map<string, KubeObject>();
  /** Claim UID → what it was last composed from, so our own status writes do not recompose. */
  readonly #composedFrom = new Map<string, string>();
  /** Claim key → the error that stopped composing it. */
  readonly #composeErrors = new Map<string, string>();
  /** Claim UID → when the stand-in first saw it deleted in the foreground. */
  readonly #deletingSince = new Map<string, number>();
  /** Object name → the error of its last apply. */
  readonly #objectErrors = new Map<string, string>();
  /** Object name → the target's generation (or resourceVersion) after our last apply. */
  readonly #applied = new Map<string, string>();
  readonly #discovery = new Map<string, { at: number; resources: Map<string, Resource> }>();
  readonly #stop = new AbortController();
  /** Every watch has listed once: before that, a missing claim is not a deleted one. */
  #synced = false;
  stopping = false;

  // A keyed work queue: a key runs at most once at a time; a key enqueued
  // while it runs runs again afterwards.
  readonly #pending = new Set<string>();
  readonly #running = new Set<string>();
  readonly #again = new Set<string>();

  constructor(cluster: LocalCluster, pollMs: number) {
    this.#kubeconfig = cluster.kubeconfigPath;
    this.#context = clusterPaths(cluster).context;
    this.#pollMs = pollMs;
  }

  async client(): Promise<ApiClient> {
    const client = await apiClient(this.#kubeconfig, this.#context);
    if (!client) throw new Error(`no usable kubeconfig at ${this.#kubeconfig}`);
    return client;
  }

  // ------------------------------------------------------------ CRDs

  /** Applies the three CRDs and waits until each is Established. */
  async ensureCrds(): Promise<void> {
    const client = await this.client();
    for (const crd of await standinCrds()) {
      await apply(client, `${CRDS_PATH}/${crd.metadata.name}`, crd, CRD_MANAGER);
    }
    for (const name of [OBJECT_CRD, COMPOSITE_CRD, CLAIM_CRD]) {
      const deadline = Date.now() + 30_000;
      while (true) {
        const crd = await requestJson<KubeObject>(client, `${CRDS_PATH}/${name}`).catch(() =>
          undefined
        );
        const established = crd?.status?.conditions?.some((c: Condition) =>
          c.type === "Established" && c.status === "True"
        );
        if (established) break;
        if (Date.now() > deadline) throw new Error(`CRD ${name} was not Established within 30 s`);
        await delay(100);
      }
    }
  }

  /** Whether the AppClaim CRD still exists (someone else may delete it: then the stand-in leaves). */
  async claimCrdExists(): Promise<boolean> {
    const response = await request(await this.client(), `${CRDS_PATH}/${CLAIM_CRD}`);
    return response?.status !== 404;
  }

  // ------------------------------------------------------------ watches

  /** Starts the watches; resolves once each has listed once. */
  async start(): Promise<void> {
    const listed: Promise<void>[] = [];
    const watch = <T extends KubeObject>(
      path: string,
      on: {
        synced(items: T[]): void;
        upsert(item: T, before: T | undefined): void;
        deleted(item: T): void;
      },
      cache: Map<string, T>,
      keyOf: (item: T) => string,
    ) => {
      let resolve!: () => void;
      listed.push(new Promise<void>((r) => resolve = r));
      void listWatch<T & WatchedMeta>(
        () => this.client().catch(() => undefined),
        path,
        {
          synced: (items) => {
            cache.clear();
            for (const item of items) cache.set(keyOf(item), item);
            on.synced(items);
            resolve();
          },
          added: (item) => {
            const before = cache.get(keyOf(item));
            cache.set(keyOf(item), item);
            on.upsert(item, before);
          },
          modified: (item) => {
            const before = cache.get(keyOf(item));
            cache.set(keyOf(item), item);
            on.upsert(item, before);
          },
          deleted: (item) => {
            cache.delete(keyOf(item));
            on.deleted(item);
          },
          error: (message) => {
            if (!this.stopping) log(message);
          },
        },
        this.#stop.signal,
      );
    };

    watch<Claim>(
      CLAIMS_PATH,
      {
        synced: (claims) => {
          for (const claim of claims) this.#claimChanged(claim);
          this.#enqueue("orphans");
        },
        upsert: (claim) => this.#claimChanged(claim),
        deleted: (claim) => this.#enqueue(`compose:${keyOfClaim(claim)}`),
      },
      this.#claims,
      keyOfClaim,
    );

    watch<KubeObject>(
      COMPOSITES_PATH,
      {
        synced: () => this.#enqueue("orphans"),
        upsert: () => {},
        deleted: (xr) => {
          const claim = claimKeyOf(xr);
          if (claim) this.#enqueue(`compose:${claim}`);
        },
      },
      this.#composites,
      (xr) => xr.metadata.name!,
    );

    watch<KubeObject>(
      OBJECTS_PATH,
      {
        synced: (objects) => {
          for (const object of objects) this.#enqueue(`object:${object.metadata.name}`);
        },
        upsert: (object, before) => {
          // Our own status writes change only the status: nothing to do again.
          if (!before || specChanged(before, object)) {
            this.#enqueue(`object:${object.metadata.name}`);
          }
        },
        deleted: (object) => {
          this.#objectErrors.delete(object.metadata.name!);
          this.#applied.delete(object.metadata.name!);
          const claim = claimKeyOf(object);
          if (claim) {
            // Re-created while its claim lives, as Crossplane does.
            this.#enqueue(`compose:${claim}`);
            this.#enqueue(`status:${claim}`);
          }
        },
      },
      this.#objects,
      (object) => object.metadata.name!,
    );

    // Deployments, for readiness only (read-only; most are not ours).
    watch<KubeObject>(
      "/apis/apps/v1/deployments",
      {
        synced: () => {
          for (const key of this.#claims.keys()) this.#enqueue(`status:${key}`);
        },
        upsert: (deployment) => this.#deploymentChanged(deployment),
        deleted: (deployment) => this.#deploymentChanged(deployment),
      },
      this.#deployments,
      (d) => `${d.metadata.namespace}/${d.metadata.name}`,
    );

    await Promise.all(listed);
    this.#synced = true;
    this.#enqueue("orphans");

    // The poll: every Object's manifest is applied again (an unchanged
    // server-side apply writes nothing), so drift is undone within one
    // interval; and every 10 s the claims are composed again.
    setInterval(() => {
      if (this.stopping && this.#objects.size === 0) return;
      for (const name of this.#objects.keys()) this.#enqueue(`object:${name}`);
    }, this.#pollMs);
    setInterval(() => {
      if (this.stopping) return;
      for (const key of this.#claims.keys()) this.#enqueue(`compose:${key}`);
      this.#enqueue("orphans");
    }, 10_000);
  }

  stopWatches(): void {
    this.#stop.abort();
  }

  /** How many claims, composites and Objects exist. */
  counts(): { claims: number; composites: number; objects: number } {
    return {
      claims: this.#claims.size,
      composites: this.#composites.size,
      objects: this.#objects.size,
    };
  }

  #claimChanged(claim: Claim): void {
    const key = keyOfClaim(claim);
    if (this.#composedFrom.get(claim.metadata.uid) !== compositionInput(claim)) {
      this.#enqueue(`compose:${key}`);
    }
    this.#enqueue(`status:${key}`);
  }

  #deploymentChanged(deployment: KubeObject): void {
    for (const object of this.#objects.values()) {
      const target = targetOf(object);
      if (
        target?.kind === "Deployment" && target.name === deployment.metadata.name &&
        target.namespace === deployment.metadata.namespace
      ) {
        const claim = claimKeyOf(object);
        if (claim) this.#enqueue(`status:${claim}`);
      }
    }
  }

  // ------------------------------------------------------------ the queue

  #enqueue(key: string): void {
    if (this.#running.has(key)) {
      this.#again.add(key);
      return;
    }
    this.#pending.add(key);
    this.#pump();
  }

  #pump(): void {
    for (const key of this.#pending) {
      if (this.#running.size >= 4) return;
      if (this.#running.has(key)) continue;
      this.#pending.delete(key);
      this.#running.add(key);
      this.#run(key)
        .catch((e) => log(`${key}: ${errorText(e)}`))
        .finally(() => {
          this.#running.delete(key);
          if (this.#again.delete(key)) this.#pending.add(key);
          this.#pump();
        });
    }
  }

  async #run(key: string): Promise<void> {
    if (key === "orphans") return this.#orphans();
    const colon = key.indexOf(":");
    const [kind, rest] = [key.slice(0, colon), key.slice(colon + 1)];
    if (kind === "compose") return await this.#compose(rest);
    if (kind === "status") return await this.#claimStatus(rest);
    if (kind === "object") return await this.#object(rest);
  }

  // ------------------------------------------------------------ claims → composite → Objects

  async #compose(key: string): Promise<void> {
    const claim = this.#claims.get(key);
    const bound = [...this.#composites.values()].filter((xr) => claimKeyOf(xr) === key);
    const client = await this.client();
    if (!claim || claim.metadata.deletionTimestamp) {
      if (!this.#synced) return;
      // The claim is gone: its composite goes, and its Objects (each deletes
      // its target first). The owner references would have the garbage
      // collector delete them too, but it only watches a kind some 30 s
      // after its CRD appears, and this stand-in installs its CRDs afresh.
      for (const xr of bound) {
        if (!xr.metadata.deletionTimestamp) {
          await deleteObject(client, `${COMPOSITES_PATH}/${xr.metadata.name}`);
          log(`claim ${key} is gone: deleted its composite ${xr.metadata.name}`);
        }
      }
      const composites = new Set(bound.map((xr) => xr.metadata.name));
      for (const object of this.#objects.values()) {
        const composite = object.metadata.labels?.[LABELS.composite];
        if (
          !object.metadata.deletionTimestamp &&
          (composites.has(composite) || (claimKeyOf(object) === key && !composite))
        ) {
          await deleteObject(client, `${OBJECTS_PATH}/${object.metadata.name}`);
        }
      }
      this.#composeErrors.delete(key);
      if (claim) await this.#foregroundDeletion(client, claim);
      return;
    }
    // Tearing down: nothing is composed any more, only deleted.
    if (this.stopping) return;
    if (isPaused(claim)) return await this.#claimStatus(key);
    const selected = selectComposition(claim);
    if ("error" in selected) {
      this.#composeErrors.set(key, selected.error);
      return await this.#claimStatus(key);
    }
    const input = compositionInput(claim);
    const name = claim.spec.resourceRef?.name ?? bound[0]?.metadata.name ?? compositeName(claim);
    const existing = this.#composites.get(name);
    if (existing && claimKeyOf(existing) !== key) {
      this.#composeErrors.set(
        key,
        `cannot bind composite ${name}: it belongs to claim ${claimKeyOf(existing)}`,
      );
      return await this.#claimStatus(key);
    }
    try {
      const names = composeObjects(claim, { name, uid: "" }).map((o) => o.object.metadata.name!);
      const xr = await apply<KubeObject>(
        client,
        `${COMPOSITES_PATH}/${name}`,
        composeComposite(claim, name, names),
        MANAGERS.claim,
      );
      this.#composites.set(name, xr);
      if (!existing) log(`claim ${key}: composite ${name} bound`);
      if (
        claim.spec.resourceRef?.name !== name || claim.spec.compositionRef?.name !== selected.name
      ) {
        const updated = await apply<Claim>(
          client,
          claimPath(claim.metadata.namespace, claim.metadata.name),
          {
            apiVersion: CLAIM.apiVersion,
            kind: CLAIM.kind,
            metadata: { name: claim.metadata.name, namespace: claim.metadata.namespace },
            spec: {
              compositionRef: { name: selected.name },
              resourceRef: { apiVersion: COMPOSITE.apiVersion, kind: COMPOSITE.kind, name },
            },
          },
          MANAGERS.claim,
        );
        this.#claims.set(key, updated);
      }
      const errors: string[] = [];
      const xrUid = xr.metadata.uid!;
      const desired = composeObjects(claim, { name, uid: xrUid });
      for (const { object } of desired) {
        const objectName = object.metadata.name!;
        const current = this.#objects.get(objectName);
        const controller = (current?.metadata.ownerReferences as OwnerRef[] | undefined)?.find((
          ref,
        ) => ref.controller);
        if (current && controller?.uid !== xrUid) {
          errors.push(
            `cannot apply composed resource ${objectName}: the existing Object is ${
              controller
                ? `controlled by ${controller.kind} ${controller.name}`
                : "not controlled by it"
            }`,
          );
          continue;
        }
        try {
          const applied = await apply<KubeObject>(
            client,
            `${OBJECTS_PATH}/${objectName}`,
            object,
            MANAGERS.composed(xrUid),
          );
          if (!current) log(`claim ${key}: Object ${objectName} created`);
          this.#objects.set(objectName, applied);
          this.#enqueue(`object:${objectName}`);
        } catch (e) {
          errors.push(`cannot apply composed resource ${objectName}: ${apiMessage(e)}`);
        }
      }
      // What the composition no longer renders (scaling or db switched off) goes.
      const wanted = new Set(desired.map((o) => o.object.metadata.name));
      for (const object of this.#objects.values()) {
        if (
          object.metadata.labels?.[LABELS.composite] === name &&
          !wanted.has(object.metadata.name) && !object.metadata.deletionTimestamp
        ) {
          await deleteObject(client, `${OBJECTS_PATH}/${object.metadata.name}`);
          log(`claim ${key}: Object ${object.metadata.name} is no longer composed, deleted`);
        }
      }
      if (errors.length > 0) this.#composeErrors.set(key, errors.join("; "));
      else {
        this.#composeErrors.delete(key);
        this.#composedFrom.set(claim.metadata.uid, input);
      }
    } catch (e) {
      this.#composeErrors.set(key, `cannot compose: ${apiMessage(e)}`);
    }
    await this.#claimStatus(key);
  }

  /**
   * A claim deleted in the foreground (`uninstall dev` does that) waits on
   * the garbage collector's `foregroundDeletion` finalizer. The collector
   * watches a kind only from its next discovery pass (every 30 s) after
   * the CRD appeared, and this stand-in installs its CRDs afresh, so a
   * claim could hang for up to half a minute where a real cluster (CRDs
   * installed long before) deletes it at once. Nothing is ever owned by a
   * claim, so after a second the stand-in takes that finalizer off itself,
   * as the collector would.
   */
  async #foregroundDeletion(client: ApiClient, claim: Claim): Promise<void> {
    const finalizers: string[] = claim.metadata.finalizers ?? [];
    const index = finalizers.indexOf("foregroundDeletion");
    if (index < 0) return;
    const key = keyOfClaim(claim);
    const since = this.#deletingSince.get(claim.metadata.uid) ?? Date.now();
    this.#deletingSince.set(claim.metadata.uid, since);
    if (Date.now() - since < 1000) {
      setTimeout(() => this.#enqueue(`compose:${key}`), 1100 - (Date.now() - since));
      return;
    }
    const response = await request(
      client,
      claimPath(claim.metadata.namespace, claim.metadata.name),
      {
        method: "PATCH",
        contentType: "application/json-patch+json",
        body: [
          { op: "test", path: `/metadata/finalizers/${index}`, value: "foregroundDeletion" },
          { op: "remove", path: `/metadata/finalizers/${index}` },
        ],
      },
    );
    this.#deletingSince.delete(claim.metadata.uid);
    if (response && response.status < 300) {
      log(`claim ${key}: took off foregroundDeletion (the garbage collector had not yet)`);
    }
  }

  /** The claim's (and its composite's) Synced and Ready, written only when they change. */
  async #claimStatus(key: string): Promise<void> {
    const claim = this.#claims.get(key);
    if (!claim || claim.metadata.deletionTimestamp || this.stopping) return;
    const generation = claim.metadata.generation;
    const xrName = claim.spec.resourceRef?.name;
    const objects = [...this.#objects.values()].filter((o) =>
      claimKeyOf(o) === key && (!xrName || o.metadata.labels?.[LABELS.composite] === xrName)
    );
    let synced: Condition;
    if (isPaused(claim)) {
      synced = {
        type: "Synced",
        status: "False",
        reason: "ReconcilePaused",
        message: "Reconciliation is paused via the pause annotation",
      };
    } else if (this.#composeErrors.has(key)) {
      synced = {
        type: "Synced",
        status: "False",
        reason: "ReconcileError",
        message: this.#composeErrors.get(key),
      };
    } else if (!xrName) {
      return; // not composed yet; compose writes the status when it is
    } else {
      const failed = objects.filter((o) => this.#objectErrors.has(o.metadata.name!));
      synced = failed.length === 0
        ? { type: "Synced", status: "True", reason: "ReconcileSuccess" }
        : {
          type: "Synced",
          status: "False",
          reason: "ReconcileError",
          message: failed.map((o) =>
            `Object ${o.metadata.name}: ${this.#objectErrors.get(o.metadata.name!)}`
          ).join("; "),
        };
    }
    const deploymentObject = objects.find((o) =>
      o.metadata.name === `${claim.spec.id}-${OBJECT_SUFFIXES.deployment}`
    );
    const target = deploymentObject ? targetOf(deploymentObject) : undefined;
    const deployment = target
      ? this.#deployments.get(`${target.namespace}/${target.name}`)
      : undefined;
    const ready: Condition = deploymentAvailable(deployment)
      ? { type: "Ready", status: "True", reason: "Available" }
      : {
        type: "Ready",
        status: "False",
        reason: deployment ? "Unavailable" : "Creating",
        message: target
          ? `Deployment ${target.namespace}/${target.name} is ${
            deployment ? "not Available yet" : "not created yet"
          }`
          : "the composed Deployment's Object does not exist yet",
      };
    const next = [synced, ready].map((c) => ({ ...c, observedGeneration: generation }));
    const now = new Date().toISOString();
    const conditions = mergeConditions(claim.status?.conditions, next, now);
    const host = claim.spec.parameters?.host;
    const client = await this.client();
    if (!sameConditions(claim.status?.conditions, conditions) || claim.status?.host !== host) {
      try {
        const updated = await apply<Claim>(
          client,
          `${claimPath(claim.metadata.namespace, claim.metadata.name)}/status`,
          {
            apiVersion: CLAIM.apiVersion,
            kind: CLAIM.kind,
            metadata: { name: claim.metadata.name, namespace: claim.metadata.namespace },
            status: { conditions, ...(host ? { host } : {}) },
          },
          MANAGERS.claim,
        );
        this.#claims.set(key, updated);
        const was = claim.status?.conditions?.find((c: Condition) => c.type === "Ready")?.status;
        if (was !== ready.status) log(`claim ${key}: Ready ${ready.status} (${ready.reason})`);
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 404)) throw e;
      }
    }
    const xr = xrName ? this.#composites.get(xrName) : undefined;
    if (xr && !xr.metadata.deletionTimestamp) {
      const xrConditions = mergeConditions(
        xr.status?.conditions,
        [synced, ready].map((c) => ({ ...c, observedGeneration: xr.metadata.generation })),
        now,
      );
      if (!sameConditions(xr.status?.conditions, xrConditions)) {
        const updated = await apply<KubeObject>(client, `${COMPOSITES_PATH}/${xrName}/status`, {
          apiVersion: COMPOSITE.apiVersion,
          kind: COMPOSITE.kind,
          metadata: { name: xrName },
          status: { conditions: xrConditions, ...(host ? { host } : {}) },
        }, MANAGERS.claim).catch(() => undefined);
        if (updated) this.#composites.set(xr.metadata.name!, updated);
      }
    }
  }

  /** Composites whose claim is gone (deleted while no stand-in ran). */
  #orphans(): void {
    if (!this.#synced) return;
    for (const xr of this.#composites.values()) {
      const key = claimKeyOf(xr);
      if (key && !this.#claims.has(key)) this.#enqueue(`compose:${key}`);
    }
  }

  // ------------------------------------------------------------ Objects → targets

  async #object(name: string): Promise<void> {
    const object = this.#objects.get(name);
    if (!object) return;
    const target = targetOf(object);
    const claim = claimKeyOf(object);
    const client = await this.client();
    if (isPaused(object)) {
      // Paused: nothing is applied, and nothing deleted either (a paused
      // Object being deleted waits, finalizer in place, until unpaused).
      await this.#objectStatus(object, {
        type: "Synced",
        status: "False",
        reason: "ReconcilePaused",
        message: "Reconciliation is paused via the pause annotation",
      });
      return;
    }
    const finalizers: string[] = object.metadata.finalizers ?? [];
    if (this.stopping && !object.metadata.deletionTimestamp) return;
    if (object.metadata.deletionTimestamp) {
      if (!finalizers.includes(OBJECT_FINALIZER)) return;
      if (target && object.spec?.deletionPolicy !== "Orphan") {
        const path = await this.#targetPath(target).catch(() => undefined);
        if (path) {
          const response = await request(client, path, {
            method: "DELETE",
            body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" },
            contentType: "application/json",
          });
          if (response && response.status < 300) {
            log(
              `Object ${name} deleted: deleted its ${target.kind} ${target.namespace}/${target.name}`,
            );
          }
          const after = await request(client, path);
          if (after?.status !== 404) return; // still there (finalizers): next poll
        }
      }
      await this.#removeFinalizer(client, object);
      return;
    }
    if (!finalizers.includes(OBJECT_FINALIZER)) {
      await request(client, `${OBJECTS_PATH}/${name}`, {
        method: "PATCH",
        contentType: "application/json-patch+json",
        body: object.metadata.finalizers
          ? [{ op: "add", path: "/metadata/finalizers/-", value: OBJECT_FINALIZER }]
          : [{ op: "add", path: "/metadata/finalizers", value: [OBJECT_FINALIZER] }],
      });
    }
    if (!target) {
      return await this.#objectFailed(object, claim, "the manifest has no apiVersion or kind");
    }
    let path: string;
    try {
      path = await this.#targetPath(target);
    } catch (e) {
      return await this.#objectFailed(object, claim, errorText(e));
    }
    let applied: KubeObject;
    try {
      applied = await apply<KubeObject>(
        client,
        path,
        object.spec.forProvider.manifest,
        MANAGERS.target(name),
      );
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) this.#discovery.delete(target.apiVersion);
      return await this.#objectFailed(object, claim, `cannot apply object: ${apiMessage(e)}`);
    }
    const version = applied.metadata.generation !== undefined
      ? `generation ${applied.metadata.generation}`
      : `resourceVersion ${applied.metadata.resourceVersion}`;
    const before = this.#applied.get(name);
    if (before === undefined) {
      log(`Object ${name}: applied ${target.kind} ${target.namespace}/${target.name}`);
    } else if (before !== version) {
      log(
        `Object ${name}: ${target.kind} ${target.namespace}/${target.name} changed since the last apply; applied again (${before} → ${version})`,
      );
    }
    this.#applied.set(name, version);
    const hadError = this.#objectErrors.delete(name);
    await this.#objectStatus(
      object,
      { type: "Synced", status: "True", reason: "ReconcileSuccess" },
      {
        type: "Ready",
        status: "True",
        reason: "Available",
      },
    );
    if (hadError && claim) this.#enqueue(`status:${claim}`);
  }

  async #objectFailed(object: KubeObject, claim: string | undefined, message: string) {
    const name = object.metadata.name!;
    const changed = this.#objectErrors.get(name) !== message;
    this.#objectErrors.set(name, message);
    if (changed) log(`Object ${name}: ${message}`);
    await this.#objectStatus(
      object,
      { type: "Synced", status: "False", reason: "ReconcileError", message },
      { type: "Ready", status: "False", reason: "Creating" },
    );
    if (changed && claim) this.#enqueue(`status:${claim}`);
  }

  async #objectStatus(object: KubeObject, ...next: Condition[]): Promise<void> {
    const conditions = mergeConditions(object.status?.conditions, next, new Date().toISOString());
    if (sameConditions(object.status?.conditions, conditions)) return;
    const client = await this.client();
    const updated = await apply<KubeObject>(
      client,
      `${OBJECTS_PATH}/${object.metadata.name}/status`,
      {
        apiVersion: OBJECT.apiVersion,
        kind: OBJECT.kind,
        metadata: { name: object.metadata.name },
        status: { conditions },
      },
      MANAGERS.provider,
    ).catch((e) => {
      if (e instanceof ApiError && e.status === 404) return undefined;
      throw e;
    });
    if (updated) this.#objects.set(object.metadata.name!, updated);
  }

  async #removeFinalizer(client: ApiClient, object: KubeObject): Promise<void> {
    const finalizers: string[] = object.metadata.finalizers ?? [];
    const index = finalizers.indexOf(OBJECT_FINALIZER);
    if (index < 0) return;
    const response = await request(client, `${OBJECTS_PATH}/${object.metadata.name}`, {
      method: "PATCH",
      contentType: "application/json-patch+json",
      body: [
        { op: "test", path: `/metadata/finalizers/${index}`, value: OBJECT_FINALIZER },
        { op: "remove", path: `/metadata/finalizers/${index}` },
      ],
    });
    if (response && response.status < 300) log(`Object ${object.metadata.name}: finalizer removed`);
  }

  /** The REST path of a target, from discovery (cached; misses are asked again after 5 s). */
  async #targetPath(
    target: { apiVersion: string; kind: string; namespace?: string; name: string },
  ): Promise<string> {
    let cached = this.#discovery.get(target.apiVersion);
    if (!cached || (!cached.resources.has(target.kind) && Date.now() - cached.at > 5000)) {
      const client = await this.client();
      const base = target.apiVersion.includes("/") ? "/apis" : "/api";
      const response = await request(client, `${base}/${target.apiVersion}`);
      const resources = new Map<string, Resource>();
      if (response?.status === 200) {
        const list = JSON.parse(response.body) as {
          resources: { name: string; kind: string; namespaced: boolean }[];
        };
        for (const r of list.resources) {
          if (!r.name.includes("/")) {
            resources.set(r.kind, { plural: r.name, namespaced: r.namespaced });
          }
        }
      } else if (response?.status !== 404) {
        throw new Error(`cannot discover ${target.apiVersion}: HTTP ${response?.status ?? "-"}`);
      }
      cached = { at: Date.now(), resources };
      this.#discovery.set(target.apiVersion, cached);
    }
    const resource = cached.resources.get(target.kind);
    if (!resource) {
      throw new Error(
        `cannot apply object: the cluster does not serve ${target.kind} of ${target.apiVersion}`,
      );
    }
    const base = target.apiVersion.includes("/") ? `/apis/${target.apiVersion}` : "/api/v1";
    const ns = resource.namespaced ? `/namespaces/${target.namespace ?? "default"}` : "";
    return `${base}${ns}/${resource.plural}/${target.name}`;
  }

  // ------------------------------------------------------------ teardown

  /**
   * Removes what the stand-in installed: when the AppClaim CRD is its own
   * alone, deletes it (the apiserver deletes every claim; their composites,
   * Objects and targets follow through this very controller), then the
   * composite and Object CRDs. A CRD that someone else also applied is left
   * with everything it holds.
   */
  async teardown(): Promise<void> {
    this.stopping = true;
    const client = await this.client();
    const claimCrd = await requestJson<KubeObject>(client, `${CRDS_PATH}/${CLAIM_CRD}`).catch(
      () => undefined,
    );
    if (claimCrd) {
      const others = otherManagers(claimCrd);
      const ours = claimCrd.metadata.labels?.["app.kubernetes.io/managed-by"] ===
        STANDIN_LABEL["app.kubernetes.io/managed-by"];
      if (ours && others.length === 0) {
        await deleteObject(client, `${CRDS_PATH}/${CLAIM_CRD}`);
        await this.#waitGone(client, `${CRDS_PATH}/${CLAIM_CRD}`, 60_000);
      } else {
        log(
          `teardown: the AppClaim CRD is also applied by ${
            others.join(", ") || "someone else"
          }; leaving it and its claims, deleting what they composed`,
        );
      }
    }
    // Every composite and Object (each Object deletes its target first).
    for (const xr of this.#composites.values()) {
      await deleteObject(client, `${COMPOSITES_PATH}/${xr.metadata.name}`);
    }
    for (const object of this.#objects.values()) {
      await deleteObject(client, `${OBJECTS_PATH}/${object.metadata.name}`);
    }
    // Paused Objects would wait for ever: no need to wait for them.
    const waiting = () =>
      this.#composites.size > 0 || [...this.#objects.values()].some((o) => !isPaused(o));
    const deadline = Date.now() + 30_000;
    while (waiting() && Date.now() < deadline) await delay(200);
    for (const object of this.#objects.values()) {
      // Paused, or stuck: delete the target anyway and let the Object go.
      log(`teardown: Object ${object.metadata.name} still there; removing it by force`);
      const target = targetOf(object);
      const path = target ? await this.#targetPath(target).catch(() => undefined) : undefined;
      if (path) {
        await request(client, path, {
          method: "DELETE",
          body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" },
          contentType: "application/json",
        });
      }
      await this.#removeFinalizer(client, object);
    }
    for (const name of [COMPOSITE_CRD, OBJECT_CRD]) {
      await deleteObject(client, `${CRDS_PATH}/${name}`);
    }
    for (const name of [COMPOSITE_CRD, OBJECT_CRD]) {
      await this.#waitGone(client, `${CRDS_PATH}/${name}`, 30_000);
    }
    log("teardown: done");
  }

  async #waitGone(client: ApiClient, path: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await request(client, path))?.status === 404) return;
      await delay(200);
    }
    log(`teardown: ${path} still exists after ${timeoutMs / 1000} s`);
  }
}

// ---------------------------------------------------------------- helpers

function keyOfClaim(claim: KubeObject): string {
  return `${claim.metadata.namespace}/${claim.metadata.name}`;
}

/** The claim (namespace/name) a composite or composed resource belongs to, from Crossplane's labels. */
function claimKeyOf(object: KubeObject): string | undefined {
  const labels = object.metadata.labels ?? {};
  const name = labels[LABELS.claimName];
  const namespace = labels[LABELS.claimNamespace];
  return name && namespace ? `${namespace}/${name}` : undefined;
}

/** What a claim's composition depends on: a status write changes none of it. */
function compositionInput(claim: Claim): string {
  return JSON.stringify([
    claim.metadata.generation,
    claim.metadata.labels ?? {},
    claim.metadata.annotations?.[PAUSED_ANNOTATION] ?? "",
    claim.metadata.deletionTimestamp ?? "",
  ]);
}

/** Whether anything but the status changed. */
function specChanged(before: KubeObject, after: KubeObject): boolean {
  const key = (o: KubeObject) =>
    JSON.stringify([
      o.metadata.generation,
      o.metadata.annotations ?? {},
      o.metadata.labels ?? {},
      o.metadata.finalizers ?? [],
      o.metadata.deletionTimestamp ?? "",
    ]);
  return key(before) !== key(after);
}

/** Managers of a CRD other than the stand-in (the apiserver's own status writes aside). */
function otherManagers(crd: KubeObject): string[] {
  const fields: { manager?: string; subresource?: string }[] = crd.metadata.managedFields ?? [];
  return [
    ...new Set(
      fields.filter((f) => f.subresource !== "status" && f.manager && f.manager !== CRD_MANAGER)
        .map((f) => f.manager!),
    ),
  ];
}

async function deleteObject(client: ApiClient, path: string): Promise<void> {
  const response = await request(client, path, {
    method: "DELETE",
    body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" },
    contentType: "application/json",
  });
  if (response && response.status >= 300 && response.status !== 404) {
    throw new ApiError(
      response.status,
      `DELETE ${path}: HTTP ${response.status}: ${response.body}`,
    );
  }
}

// ---------------------------------------------------------------- main

/** Runs the stand-in for the cluster named in PLATFORM_LOCAL_CLUSTER until it is idle or stopped. */
export async function main(): Promise<void> {
  const cluster = JSON.parse(Deno.env.get(CLUSTER_ENV) ?? "null") as LocalCluster | null;
  if (!cluster?.kubeconfigPath) throw new Error(`${CLUSTER_ENV} does not name a cluster`);
  const paths = compositionsPaths(cluster);
  logFile = await Deno.open(paths.log, { create: true, append: true });
  globalThis.addEventListener("unhandledrejection", (event) => {
    log(`unhandled rejection: ${errorText(event.reason)}`);
    event.preventDefault();
  });
  const pollMs = Number(Deno.env.get(POLL_ENV) ?? "1000") || 1000;
  log(`compositions stand-in starting (pid ${Deno.pid}) for ${cluster.name}, poll ${pollMs} ms`);
  const standin = new StandIn(cluster, pollMs);

  let leaving = false;
  const leave = async (why: string, teardown: boolean) => {
    if (leaving) return;
    leaving = true;
    log(`stopping: ${why}`);
    await removePath(paths.ready);
    if (teardown) {
      await standin.teardown().catch((e) => log(`teardown failed: ${errorText(e)}`));
    }
    standin.stopWatches();
    for (const own of [paths.pid, `${paths.holds}/${PINNED}`]) {
      if ((await Deno.readTextFile(own).catch(() => "")).trim() === String(Deno.pid)) {
        await removePath(own);
      }
    }
    log("stopped");
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", () => void leave("SIGTERM", true));
  Deno.addSignalListener("SIGINT", () => void leave("SIGINT", false));

  await standin.ensureCrds();
  await standin.start();
  await Deno.writeTextFile(paths.ready, `${Deno.pid}\n`);
  log(`ready: ${JSON.stringify(standin.counts())}`);

  // Idle: no pin and no live hold twice in a row. The ready file goes
  // first, then the holds are looked at once more, so a process that has
  // just written its hold either is seen here or sees the stand-in as not
  // ready and waits for it to exit.
  let idle = 0;
  let tick = 0;
  while (!leaving) {
    await delay(1000);
    // Someone deleted the AppClaim CRD (tests/dev_test.ts does at its end):
    // the stand-in does not put it back, it cleans up and leaves; the next
    // compositions() starts a new one.
    if (++tick % 2 === 0 && !(await standin.claimCrdExists().catch(() => true))) {
      await leave("the AppClaim CRD was deleted", true);
      break;
    }
    const { pinned, held } = await liveHolds(cluster, Deno.pid);
    idle = pinned || held > 0 || tick < 3 ? 0 : idle + 1;
    if (idle < 2) continue;
    await removePath(paths.ready);
    const again = await liveHolds(cluster, Deno.pid);
    if (again.pinned || again.held > 0) {
      await Deno.writeTextFile(paths.ready, `${Deno.pid}\n`);
      idle = 0;
      continue;
    }
    await leave("no process holds it any more", true);
  }
}

if (import.meta.main) {
  try {
    await main();
  } catch (e) {
    log(`stand-in failed: ${errorText(e)}${e instanceof Error && e.stack ? `\n${e.stack}` : ""}`);
    Deno.exit(1);
  }
}
