import * as tf from '@tensorflow/tfjs-core';
import { isSslError } from '@selfsup/core';

/** A call that must throw, and what its message must say. */
export type InvalidArgumentCase = readonly [call: () => unknown, message: RegExp];

/**
 * Runs each call inside `tf.tidy` (so tensors made for it are freed) and asserts that it throws an
 * `SslError` with code `INVALID_ARGUMENT` whose message matches the case's pattern. The failure
 * names the case, the pattern and what was thrown (or that nothing was).
 *
 * @example
 * ```ts
 * expectInvalidArgumentErrors([[() => runKernel('SelfsupGelu', {}), /input x: expected a float32 tensor/]]);
 * ```
 */
export function expectInvalidArgumentErrors(cases: readonly InvalidArgumentCase[]): void {
  for (const [index, [call, message]] of cases.entries()) {
    let error: unknown;
    let threw = false;
    tf.tidy(() => {
      try {
        call();
      } catch (caught) {
        threw = true;
        error = caught;
      }
    });
    if (!threw) throw new Error(`case ${index} (${message}): nothing was thrown`);
    if (!isSslError(error, 'INVALID_ARGUMENT')) throw new Error(`case ${index} (${message}): expected an SslError INVALID_ARGUMENT, got ${String(error)}`);
    if (!message.test(error.message)) throw new Error(`case ${index}: the message ${JSON.stringify(error.message)} does not match ${message}`);
  }
}
