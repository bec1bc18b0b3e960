/**
 * A session driver: how a developer's code runs against their environment.
 * One file per driver in this folder, one registry; apply dev and
 * uninstall dev know nothing of okteto, telepresence or mirrord.
 */
import type { Kube } from "../../lib/kube/client.ts";
import type { Reporter } from "../../lib/progress.ts";
import type { DevSettings } from "../../lib/session/dev_settings.ts";

/** What a session works on. */
export interface SessionTarget {
  kube: Kube;
  user: string;
  app: string;
  namespace: string;
  /** The local directory whose code runs in the cluster. */
  dir: string;
  dev: DevSettings;
  takeover?: boolean;
  timeoutMs: number;
  reporter: Reporter;
  env: Record<string, string | undefined>;
}

/** How a session ended. */
export interface StopResult {
  driver: string;
  restored: boolean;
  replicas?: number;
  specHash?: string;
  verified?: boolean;
  leaseReleased: boolean;
}

/** A session in progress. */
export interface RunningSession {
  /** Local ports forwarded, `127.0.0.1:8080 -> 8080`. */
  forwards: string[];
  syncedFiles: number;
  /** Kubernetes API requests the session has sent so far (0 for drivers that wrap a CLI). */
  apiRequests(): number;
  /** Ends the session and restores what it changed. Safe to call twice. */
  stop(): Promise<StopResult>;
  /** Settles when the session ended (stopped, or its command exited). */
  done: Promise<StopResult>;
}

/** A session as `status dev` and `list dev` show it. */
export interface SessionStatus {
  driver: string;
  holder: string;
  host: string;
  since: string;
  expired: boolean;
  syncedFiles?: number;
  forwards?: string;
}

/** A session driver. */
export interface SessionDriver {
  readonly name: string;
  readonly description: string;
  /** Finds what the driver needs (a binary and its version); throws with an install hint. */
  preflight(env: Record<string, string | undefined>): Promise<string>;
  start(target: SessionTarget): Promise<RunningSession>;
  /** Ends a session of this driver, wherever it was started, and restores the environment. */
  stop(target: SessionTarget): Promise<StopResult>;
}
