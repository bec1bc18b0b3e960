/** Liveness of a lease holder's process on this machine, without node:process. */
import assert from "node:assert/strict";
import { machineId, processAlive } from "../../lib/session/lease.ts";

Deno.test("this process is alive, an exited child is not, pid 1 (not ours) is", async () => {
  assert.equal(processAlive(Deno.pid), true);
  const child = new Deno.Command("true").spawn();
  await child.status;
  assert.equal(processAlive(child.pid), false, "an exited, reaped child is gone");
  assert.equal(processAlive(1), true, "a process of another user still exists");
});

Deno.test("nonsense pids are never alive", () => {
  for (const pid of [0, -1, 1.5, Number.NaN, 2 ** 53]) assert.equal(processAlive(pid), false);
});

Deno.test("the machine id is stable within a run", () => {
  assert.equal(machineId(), machineId());
  assert.ok(machineId().length > 0);
});
