/**
 * Imports a module that only some runs need, without Deno knowing of it in
 * advance. Before a module runs, Deno resolves the graph of everything it can
 * import, dynamic imports with a literal specifier included: every run of
 * the CLI resolved setup, the sandboxer and each verb's library, some 15 ms
 * of `--help` (measured with Deno 2.9; setup's graph alone took 11 ms). A
 * specifier Deno cannot read ahead is resolved when the import runs, for
 * the runs that take that path.
 *
 * Call it as `lazy<typeof import("./x.ts")>("./x.ts", import.meta.url)`:
 * the type names the same module, so the compiler still checks the path and
 * every use; tests/unit/lazy_test.ts checks that the two paths agree.
 *
 * @module
 */

/** Imports `specifier` (relative to `base`, an importing module's URL) when called. */
export function lazy<T>(specifier: string, base: string): Promise<T> {
  return import(new URL(specifier, base).href);
}

/** The same for a package named in deno.json's imports (resolved through them when called). */
export function lazyPackage<T>(name: string): Promise<T> {
  return import(name);
}
