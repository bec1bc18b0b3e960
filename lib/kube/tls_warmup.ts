/**
 * The first TLS handshake of a Deno process costs some 27 ms before a byte
 * is sent: the TLS library (aws-lc, under rustls) seeds its random number
 * generator once per process (measured with Deno 2.9: after any aws-lc key
 * generation, a handshake to the local API server takes 3 ms instead of
 * 35). kubectl pays nothing of the kind. The seed is process-wide, and
 * WebCrypto generates ECDSA keys on a blocking-pool thread, so asking for
 * one at start-up pays the 27 ms on the other core while the main thread
 * loads the verb's modules. (AES and HMAC keys are generated on the calling
 * thread: they would pay it right there.)
 *
 * @module
 */

/**
 * Starts seeding the TLS library's random generator off the main thread.
 * Returns at once; nothing waits for it, and a failure only means the
 * first handshake pays, as it would have.
 */
export function startTlsWarmup(): void {
  try {
    crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign"])
      .catch(() => {});
  } catch {
    // no WebCrypto: nothing to warm
  }
}
