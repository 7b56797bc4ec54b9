import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom-op.js';
import { FUSED_KERNELS, hasFusedKernel, runFusedKernel } from './fused-kernel.js';

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

// Exact GELU, x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), as PyTorch's nn.GELU() (approximate='none').
// d/dx = Phi(x) + x * phi(x), with phi(x) = exp(-x^2 / 2) / sqrt(2 pi).
const geluOp = customOp<[tf.Tensor]>(([x], save) => {
  const cdf = tf.mul(tf.add(tf.erf(tf.mul(x, SQRT1_2)), 1), 0.5);
  // Phi(x) is saved for the backward pass: recomputing erf there would cost as much again.
  save([x, cdf]);
  return {
    value: tf.mul(x, cdf),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, cdfs] = saved as [tf.Tensor, tf.Tensor];
      // exp(z) for z = -x^2/2 <= 0 as sigmoid(z) / (1 - sigmoid(z)): the same value to a few ulp, but
      // the wasm backend runs Sigmoid through XNNPACK (SIMD, threaded) and Exp as a scalar loop, ~4x slower.
      const s = tf.sigmoid(tf.mul(tf.square(xs), -0.5));
      const pdf = tf.mul(tf.div(s, tf.sub(1, s)), INV_SQRT_2PI);
      return [tf.mul(dy, tf.add(cdfs, tf.mul(xs, pdf)))];
    },
  };
});

// The same GELU as one kernel call each way, on a backend that registers SelfsupGelu and
// SelfsupGeluGrad (docs/concepts/fused-kernels.md).
const fusedGeluOp = customOp<[tf.Tensor]>(([x], save) => {
  save([x]);
  return {
    value: runFusedKernel(FUSED_KERNELS.gelu, { x })[0]!,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => runFusedKernel(FUSED_KERNELS.geluGrad, { dy, x: saved[0]! }),
  };
});

/**
 * The exact (erf) Gaussian error linear unit, `x * Phi(x)`, as PyTorch's default `nn.GELU`.
 * The caller owns the result.
 */
export function gelu<T extends tf.Tensor>(x: T): T {
  const fused = hasFusedKernel(FUSED_KERNELS.gelu) && hasFusedKernel(FUSED_KERNELS.geluGrad);
  return tf.tidy('gelu', () => (fused ? fusedGeluOp(x) : geluOp(x)) as T);
}
