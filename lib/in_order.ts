/**
 * Requests sent at once, answered as if sent one after another: every
 * promise is awaited, then the values come back in order, or the first
 * failure *in that order* is thrown — not the first to arrive. So a command
 * that sends its independent requests in parallel still reports the same
 * error on every run (the Deployment's refusal before the Service's).
 */
export async function allInOrder<T extends readonly unknown[] | []>(
  values: T,
): Promise<{ -readonly [P in keyof T]: Awaited<T[P]> }> {
  const results = await Promise.allSettled(values);
  for (const result of results) {
    if (result.status === "rejected") throw result.reason;
  }
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [P in keyof T]: Awaited<T[P]>;
  };
}
