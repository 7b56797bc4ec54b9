import * as tf from '@tensorflow/tfjs-core';

/**
 * Every tensor inside `value` (walking arrays, Maps and plain objects), each once; variables are
 * left out, since they are long-lived state that the step never disposes.
 */
export function tensorsIn(value: unknown, out: tf.Tensor[] = [], seen = new Set<unknown>()): tf.Tensor[] {
  if (value === null || typeof value !== 'object' || seen.has(value)) return out;
  seen.add(value);
  if (value instanceof tf.Tensor) {
    if (!(value instanceof tf.Variable)) out.push(value);
    return out;
  }
  if (ArrayBuffer.isView(value)) return out;
  const items = value instanceof Map ? value.values() : Array.isArray(value) ? value : Object.values(value);
  for (const item of items) tensorsIn(item, out, seen);
  return out;
}

/** Disposes every (non-variable) tensor inside `value` that is still alive. */
export function disposeTensorsIn(value: unknown): void {
  for (const tensor of tensorsIn(value)) if (!tensor.isDisposed) tensor.dispose();
}

/**
 * Runs `fn` inside a named `tf.tidy` and keeps every tensor of its result, wherever it sits
 * (arrays, plain objects, Maps: `tf.tidy` alone misses tensors inside Maps). Everything else
 * `fn` created is disposed. The caller owns the kept tensors.
 */
export function tidyKeeping<T>(name: string, fn: () => T): T {
  let result!: T;
  tf.tidy(name, () => {
    result = fn();
    for (const tensor of tensorsIn(result)) tf.keep(tensor);
  });
  return result;
}
