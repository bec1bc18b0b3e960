/**
 * Finding the local processes that belong to a kwok pod. Whatever runs through
 * `kubectl exec` inherits the environment of the pod's Exec rule, which marks
 * it with PLATFORM_POD_UID; a process backgrounded there (a dev server) keeps
 * running after the exec stream ends, so the sandboxer and `cluster:down` use
 * this to stop it when its pod is gone.
 *
 * @module
 */

/** Environment variable carrying the pod UID in every process started by exec. */
export const POD_UID_ENV = "PLATFORM_POD_UID";

/** Environment variable carrying the pod's directory, which tells which cluster's pod it is. */
export const POD_DIR_ENV = "POD_DIR";

/** A process marked with a pod UID. */
export interface PodProcess {
  pid: number;
  podUid: string;
  /** The pod's sandbox directory ("" if the variable is missing). */
  podDir: string;
}

/** Every process (Linux /proc) whose environment carries {@linkcode POD_UID_ENV}. */
export async function podProcesses(): Promise<PodProcess[]> {
  const found: PodProcess[] = [];
  const marker = `${POD_UID_ENV}=`;
  const dirMarker = `${POD_DIR_ENV}=`;
  for await (const entry of Deno.readDir("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid) || pid === Deno.pid) continue;
    let environ: string;
    try {
      environ = await Deno.readTextFile(`/proc/${pid}/environ`);
    } catch {
      continue; // gone, or not ours to read
    }
    const variables = environ.split("\0");
    const uid = variables.find((v) => v.startsWith(marker));
    if (!uid) continue;
    const dir = variables.findLast((v) => v.startsWith(dirMarker)) ?? dirMarker;
    found.push({ pid, podUid: uid.slice(marker.length), podDir: dir.slice(dirMarker.length) });
  }
  return found;
}

/** Sends SIGTERM, then SIGKILL after two seconds, to the pod processes the predicate selects; returns their pids. */
export async function killPodProcesses(
  select: (process: PodProcess) => boolean,
): Promise<number[]> {
  const victims = (await podProcesses()).filter(select).map((p) => p.pid);
  for (const pid of victims) signal(pid, "SIGTERM");
  const deadline = Date.now() + 2000;
  let alive = victims;
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    alive = alive.filter((pid) => isAlive(pid));
  }
  for (const pid of alive) signal(pid, "SIGKILL");
  return victims;
}

function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // A zombie still has a /proc entry; it is dead for our purpose.
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}
