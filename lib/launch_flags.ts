/**
 * The flags every launcher of the CLI gives `deno run` (the installed shim,
 * the demo, the bench, the tests' CLI processes, `./denow task platform`).
 *
 * Why `--no-lazy`: V8 compiles a function on its first call unless told
 * otherwise, and Deno's code cache holds only what was compiled when a module
 * was loaded, so without it every run compiles optique's parser again (about
 * 5 ms of `--help`, up to 15 ms of `status dev`, measured with Deno 2.9).
 * With it the cache holds every function. V8 refuses a cache made under other
 * flags (Deno then compiles and writes it again, some 50 ms), so every launcher
 * uses the same list; that is why it lives here. The cost: runs that load
 * @kubernetes/client-node (sessions, exec plugins) start about 15 ms later and
 * hold about 11 MiB more.
 *
 * @module
 */

/** `deno run` flags of the CLI, before the entry point. */
export const LAUNCH_FLAGS: readonly string[] = ["-A", "--v8-flags=--no-lazy"];
