let gradientsReady: Promise<void> | undefined;

/**
 * Registers TensorFlow.js's gradient functions, once per process. `@tensorflow/tfjs-core` alone
 * registers none in Node (its CommonJS build leaves them out, and Node cannot load its ES module
 * files), so `tf.grad` would fail with "gradient function not found". This loads
 * `vendor/register-gradients.js`: tfjs-core's own `register_all_gradients` and the chained tensor
 * methods those gradients call (`x.split(...)`), bundled into one ES module that registers them on
 * the shared engine, for every backend, in Node and in browsers. {@link useBackend} calls it for you.
 *
 * @returns A promise that resolves when gradients are registered.
 *
 * @example
 * ```ts
 * await ensureGradients();
 * const dx = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2])); // [2, 4]
 * ```
 */
export function ensureGradients(): Promise<void> {
  // the same relative path from src/ (tests, source condition) and dist/ (the published package)
  gradientsReady ??= import('../vendor/register-gradients.js').then(
    () => undefined,
    (error: unknown) => {
      gradientsReady = undefined;
      throw error;
    },
  );
  return gradientsReady;
}
