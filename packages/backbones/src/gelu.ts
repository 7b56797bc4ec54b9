import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom-op.js';

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

// Exact GELU, x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), as PyTorch's nn.GELU() (approximate='none').
// d/dx = Phi(x) + x * phi(x), with phi(x) = exp(-x^2 / 2) / sqrt(2 pi).
const geluOp = customOp<[tf.Tensor]>(([x], save) => {
  save([x]);
  const value = tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, SQRT1_2)), 1));
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs] = saved as [tf.Tensor];
      const cdf = tf.mul(tf.add(tf.erf(tf.mul(xs, SQRT1_2)), 1), 0.5);
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(xs), -0.5)), INV_SQRT_2PI);
      return [tf.mul(dy, tf.add(cdf, tf.mul(xs, pdf)))];
    },
  };
});

/**
 * The exact (erf) Gaussian error linear unit, `x * Phi(x)`, as PyTorch's default `nn.GELU`.
 * The caller owns the result.
 */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy('gelu', () => geluOp(x) as T);
}
