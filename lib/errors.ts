/**
 * One error type for everything platform reports to a person: what went
 * wrong, a hint saying how to fix it, and the exit code the CLI should use.
 * Library functions throw it; only platform.ts turns it into an exit code.
 */

/** Exit code for a failure at run time (cluster, template, timeout, ...). */
export const EXIT_FAILURE = 1;
/** Exit code for bad input caught before any request was sent. */
export const EXIT_USAGE = 2;

/** Options of a {@link PlatformError}. */
export interface PlatformErrorOptions {
  /** How to fix it, shown under the error as `hint: ...`. */
  hint?: string;
  /** Process exit code; defaults to {@link EXIT_FAILURE}. */
  exitCode?: number;
  /** The underlying error, shown with --verbose. */
  cause?: unknown;
}

/** An error meant for a person: a message, a hint and an exit code. */
export class PlatformError extends Error {
  readonly hint?: string;
  readonly exitCode: number;

  constructor(message: string, options: PlatformErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "PlatformError";
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT_FAILURE;
  }
}

/** A usage error (exit code 2): the input was refused before any request. */
export function usageError(message: string, hint?: string): PlatformError {
  return new PlatformError(message, { hint, exitCode: EXIT_USAGE });
}

/** The chain of causes of an error, outermost first, as readable lines. */
export function causeChain(error: unknown): string[] {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 10; depth++) {
    if (current instanceof Error) {
      lines.push(`${current.name}: ${current.message}`);
      current = current.cause;
    } else {
      lines.push(String(current));
      break;
    }
  }
  return lines;
}
