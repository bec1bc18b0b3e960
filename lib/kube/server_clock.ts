/**
 * The API server's clock, as its Date headers show it. Session Leases are
 * written and judged in this time, not the laptop's: a laptop whose clock is
 * minutes off must neither look expired to everyone else nor keep a dead
 * session looking alive. One process talks to one API server, so one offset.
 */

let offsetMs = 0;
let observed = false;

/** Records the offset from a response's Date header (1 s resolution: the midpoint of its second). */
export function observeServerDate(header: string | null, receivedAt = Date.now()): void {
  if (!header) return;
  const server = Date.parse(header);
  if (Number.isNaN(server)) return;
  offsetMs = server + 500 - receivedAt;
  observed = true;
}

/** Now, on the API server's clock (the local clock until a response was seen). */
export function serverNow(): number {
  return Date.now() + offsetMs;
}

/** How far the local clock is behind (positive) or ahead of the server's, if known. */
export function serverClockOffset(): number | undefined {
  return observed ? offsetMs : undefined;
}
