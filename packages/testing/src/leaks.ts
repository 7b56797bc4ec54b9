import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `fn` and returns how many tensors it left alive that were not alive before, after
 * disposing whatever `fn` returned (tensors, or objects and arrays of tensors).
 */
export async function leakedTensors(fn: () => unknown): Promise<number> {
  const before = tf.memory().numTensors;
  const result = await fn();
  tf.dispose(collectTensors(result));
  return tf.memory().numTensors - before;
}

/** Throws unless `fn` leaks no tensor (see {@link leakedTensors}). */
export async function expectNoLeaks(fn: () => unknown, label = 'function'): Promise<void> {
  const leaked = await leakedTensors(fn);
  if (leaked !== 0) throw new Error(`${label} leaked ${leaked} tensor(s)`);
}

/** Every tf.Tensor inside `value` (walking arrays, maps and plain objects). */
export function collectTensors(value: unknown, out: tf.Tensor[] = [], seen = new Set<unknown>()): tf.Tensor[] {
  if (value === null || typeof value !== 'object' || seen.has(value)) return out;
  seen.add(value);
  if (value instanceof tf.Tensor) {
    if (!(value instanceof tf.Variable)) out.push(value);
    return out;
  }
  const items = value instanceof Map ? value.values() : Array.isArray(value) ? value : Object.values(value);
  for (const v of items) collectTensors(v, out, seen);
  return out;
}
