/**
 * The compositions stand-in (tests/compositions/) for tests: Crossplane's
 * behaviour for AppClaims on the test cluster. {@linkcode compositions}
 * starts it if needed (and the cluster with it) and holds it for this
 * process; {@linkcode releaseCompositions} drops the hold, and when no
 * other process holds it the stand-in deletes its CRDs and exits, so tests
 * that rely on `--template auto` picking plain manifests are not affected
 * for longer than needed. A process that ends without releasing is noticed
 * by the stand-in within about 2 s.
 *
 * ```ts
 * const standin = await compositions();          // in the first test that needs it
 * ...
 * await releaseCompositions();                    // in the file's last test
 * ```
 *
 * @module
 */
import { PlatformError } from "../../lib/errors.ts";
import { TEST_CLUSTER } from "../cluster/cluster.ts";
import {
  compositionsPaths,
  ensureCompositions,
  holdName,
  releaseCompositions as release,
} from "../compositions/process.ts";
import { testCluster } from "./cluster.ts";

export {
  CLAIM,
  COMPOSITE,
  LABELS,
  OBJECT,
  OBJECT_SUFFIXES,
  PAUSED_ANNOTATION,
} from "../compositions/compose.ts";

/** The running stand-in. */
export interface Compositions {
  pid: number;
  /** Its log: what it composed, applied, re-asserted and deleted. */
  logPath: string;
}

let held: { hold: string; ready: Promise<Compositions> } | undefined;

/**
 * Ensures the test cluster and the stand-in run, and holds the stand-in for
 * this process. Shared by every caller in the process; throws with the
 * reason when it cannot start.
 */
export function compositions(): Promise<Compositions> {
  if (held) return held.ready;
  const hold = holdName();
  const ready = (async () => {
    await testCluster();
    try {
      const { pid } = await ensureCompositions(TEST_CLUSTER, { log: () => {}, hold });
      return { pid, logPath: compositionsPaths(TEST_CLUSTER).log };
    } catch (e) {
      held = undefined;
      const hint = e instanceof PlatformError && e.hint ? `\nhint: ${e.hint}` : "";
      throw new Error(
        `the compositions stand-in could not be started: ${
          e instanceof Error ? e.message : e
        }${hint}`,
        { cause: e },
      );
    }
  })();
  held = { hold, ready };
  return ready;
}

/**
 * Drops this process's hold. When it was the last, waits until the
 * stand-in has deleted its CRDs and exited. Returns whether it is gone.
 */
export async function releaseCompositions(): Promise<boolean> {
  if (!held) return true;
  const { hold, ready } = held;
  held = undefined;
  await ready.catch(() => undefined);
  return await release(TEST_CLUSTER, hold);
}
