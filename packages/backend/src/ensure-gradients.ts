let gradientsReady: Promise<void> | undefined;

/**
 * Registers TensorFlow.js's gradient functions, once per process. `@tensorflow/tfjs-core` alone
 * registers none in Node (its CommonJS build leaves them to the `@tensorflow/tfjs` bundle), so
 * `tf.grad` would fail with "gradient function not found"; importing `@tensorflow/tfjs` registers
 * every gradient on the shared core. {@link useBackend} calls it for you.
 *
 * @returns A promise that resolves when gradients are registered.
 *
 * @example
 * ```ts
 * await ensureGradients();
 * const dx = tf.grad((x: tf.Tensor) => x.square().sum())(tf.tensor1d([1, 2])); // [2, 4]
 * ```
 */
export function ensureGradients(): Promise<void> {
  gradientsReady ??= import('@tensorflow/tfjs').then(
    () => undefined,
    (error: unknown) => {
      gradientsReady = undefined;
      throw error;
    },
  );
  return gradientsReady;
}
