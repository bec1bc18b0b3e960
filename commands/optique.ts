/**
 * The parts of optique the commands use, imported from npm here only.
 *
 * Deno (2.9, nodeModulesDir "auto") checks node_modules once for every npm
 * import in the module graph it loads before platform.ts runs, and that
 * graph includes every module behind a literal `await import()`. Each check
 * costs most of a millisecond, and past about 31 of them start-up gains
 * some 80 ms more, `--help` included. Hence one import of optique's root
 * module (which loads what its facade loads anyway) for all the commands:
 * they import optique from here, never from "@optique/..." directly.
 */
import { restoreSegmenter } from "./deferred_segmenter.ts";

export {
  argument,
  choice,
  command,
  commandLine,
  constant,
  formatMessage,
  getDocPageSync,
  integer,
  lineBreak,
  merge,
  message,
  object,
  option,
  optional,
  or,
  runParser,
  string,
  text,
  withDefault,
} from "@optique/core";
export type {
  InferValue,
  Message,
  MessageTerm,
  NonEmptyString,
  Parser,
  Usage,
  UsageTerm,
  ValueParser,
} from "@optique/core";

// Optique has built its segmenter by now; anything later gets the real class.
restoreSegmenter();
