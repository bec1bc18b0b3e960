/**
 * A session driver: how a developer's code runs against their environment.
 * One file per driver in this folder, one registry; apply dev and
 * uninstall dev know nothing of okteto, telepresence or mirrord.
 */
import type { Kube } from "../../lib/kube/client.ts";
import type { Reporter } from "../../lib/progress.ts";
import type { DevSettings } from "../../lib/session/dev_settings.ts";
import type { LeftoverFinder } from "../../lib/session/repair.ts";

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
  /** Step lines, and the dev command's output line by line (as info lines). */
  reporter: Reporter;
  env: Record<string, string | undefined>;
  /** Aborted by Ctrl-C or SIGTERM while the session is starting: stop and restore. */
  signal?: AbortSignal;
}

/** How a session ended. */
export interface StopResult {
  driver: string;
  restored: boolean;
  replicas?: number;
  specHash?: string;
  verified?: boolean;
  /** What differs from the session's record after the restore (reported as a warning). */
  differences?: string[];
  leaseReleased: boolean;
  /** Set when another developer took the session over: the environment is theirs now. */
  takenOverBy?: string;
}

/** A session in progress. */
export interface RunningSession {
  /** Local ports forwarded, `127.0.0.1:8080 -> 8080`. */
  forwards: string[];
  /** Files sent into the container so far (initial sync and each change). */
  readonly syncedFiles: number;
  /** Kubernetes API requests the session has sent so far (0 for drivers that wrap a CLI). */
  apiRequests(): number;
  /** Ends the session and restores what it changed. Safe to call twice. */
  stop(): Promise<StopResult>;
  /** Settles when the session ended (stopped, taken over, or its command exited). */
  done: Promise<StopResult>;
}

export type { SessionStatus, StatusTarget } from "../../lib/session/status.ts";
import type { SessionStatus, StatusTarget } from "../../lib/session/status.ts";

/**
 * A Deployment a driver's session leaves while it runs without platform's
 * Lease (okteto up run by hand), so `list dev` can find such sessions in
 * one list.
 */
export interface SessionMarker {
  /** A label selector that matches those Deployments. */
  selector: string;
  /** The name of that Deployment for an app. */
  name(app: string): string;
}

/**
 * A session driver. As a {@link LeftoverFinder} it recognises and repairs
 * what its own crashed sessions left, for gc and the next command.
 */
export interface SessionDriver extends LeftoverFinder {
  readonly name: string;
  readonly description: string;
  /** Finds what the driver needs (a binary and its version); throws with an install hint. */
  preflight(env: Record<string, string | undefined>): Promise<string>;
  /** Starts a session; resolves once it runs (synced, forwarding, command started). */
  start(target: SessionTarget): Promise<RunningSession>;
  /** Ends a session of this driver, wherever it was started, and restores the environment. */
  stop(target: SessionTarget): Promise<StopResult>;
  /** The session of this driver on an environment, if there is one. */
  status(target: StatusTarget): Promise<SessionStatus | undefined>;
  /** What its sessions leave that `list dev` can list, when they may run without a Lease. */
  readonly marker?: SessionMarker;
}
