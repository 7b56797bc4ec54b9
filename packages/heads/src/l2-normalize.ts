import * as tf from '@tensorflow/tfjs-core';

/**
 * Divides each vector along the last axis by its Euclidean length, `x / max(||x||, eps)`, as
 * PyTorch's `F.normalize(x, p=2, dim=-1, eps)`. Written as `x * rsqrt(max(||x||², eps²))`, the same
 * value with a finite gradient at zero. `[..., dim] -> [..., dim]`; the caller owns the result.
 *
 * @param eps - the smallest length divided by. @defaultValue 1e-12 (PyTorch's)
 *
 * @example
 * ```ts
 * l2Normalize(tf.tensor2d([[3, 4]])); // [[0.6, 0.8]]
 * ```
 */
export function l2Normalize<T extends tf.Tensor>(x: T, eps = 1e-12): T {
  return tf.tidy('l2Normalize', () => {
    const squaredLength = tf.sum(tf.square(x), -1, true);
    return tf.mul(x, tf.rsqrt(tf.maximum(squaredLength, eps * eps))) as T;
  });
}
