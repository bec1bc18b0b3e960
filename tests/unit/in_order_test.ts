import assert from "node:assert/strict";
import { allInOrder } from "../../lib/in_order.ts";

const after = <T>(ms: number, value: T, fail = false) =>
  new Promise<T>((resolve, reject) =>
    setTimeout(() => fail ? reject(new Error(String(value))) : resolve(value), ms)
  );

Deno.test("allInOrder returns the values in order, whatever order they arrive in", async () => {
  assert.deepEqual(await allInOrder([after(20, "a"), after(0, 1), Promise.resolve(true)]), [
    "a",
    1,
    true,
  ]);
});

Deno.test("allInOrder throws the first failure in order, not the first to arrive, and only once all are settled", async () => {
  let lateDone = false;
  const late = after(30, "late").then((value) => (lateDone = true, value));
  await assert.rejects(
    allInOrder([after(10, "deployment refused", true), after(0, "service refused", true), late]),
    /deployment refused/,
  );
  assert.ok(lateDone, "nothing is left running behind the error");
});
