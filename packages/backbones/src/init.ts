import * as tf from '@tensorflow/tfjs-core';
import { MAX_TENSOR_ELEMENTS, checkInteger, type Rng } from '@selfsup/core';

/**
 * Samples `count` values from a normal distribution truncated to `[low, high]` (absolute bounds,
 * as `torch.nn.init.trunc_normal_`), by rejection. Host-side, from `rng`.
 */
export function truncatedNormal(rng: Rng, count: number, std: number, low = -2, high = 2): Float32Array {
  checkInteger('truncatedNormal(count)', count, 0, MAX_TENSOR_ELEMENTS);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    let v = rng.normal(0, std);
    while (v < low || v > high) v = rng.normal(0, std);
    out[i] = v;
  }
  return out;
}

/** `count` values uniform in `[-bound, bound)`, from `rng`. */
export function uniformValues(rng: Rng, count: number, bound: number): Float32Array {
  checkInteger('uniformValues(count)', count, 0, MAX_TENSOR_ELEMENTS);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = rng.uniform(-bound, bound);
  return out;
}

/** A trainable float32 variable holding `values` (or `fill` when values is a number). */
export function makeVariable(shape: number[], values: Float32Array | number, trainable = true): tf.Variable {
  return tf.tidy('makeVariable', () =>
    tf.variable(typeof values === 'number' ? tf.fill(shape, values, 'float32') : tf.tensor(values, shape, 'float32'), trainable),
  );
}
