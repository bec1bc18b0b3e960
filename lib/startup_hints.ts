/**
 * What a command line says about its run before the parser is loaded:
 * enough to start slow work early (the TLS library's seed), never to decide
 * anything. A wrong guess costs a little work, never a wrong result: the
 * parser still reads the command line.
 *
 * @module
 */

/** Verbs that never open a connection. */
const LOCAL_VERBS = new Set(["help", "completions", "shell-init", "config", "init"]);
/** Flags that make any verb stay local. */
const LOCAL_FLAGS = new Set(["--help", "-h", "--dry-run", "--version"]);
/** Whether a run with `args` will probably reach a cluster. */
export function likelyReachesCluster(args: readonly string[]): boolean {
  if (!args.length || LOCAL_VERBS.has(args[0])) return false;
  return !args.some((arg) => LOCAL_FLAGS.has(arg));
}
