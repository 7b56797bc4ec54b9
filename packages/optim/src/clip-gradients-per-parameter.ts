import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, hasFusedKernel, runFusedKernel } from '@selfsup/backbones';
import { checkPositive } from '@selfsup/core';
import { gradientEntries, type Gradients } from './gradients.js';

/** What {@link clipGradientsPerParameter} returns. The caller owns every tensor. */
export interface PerParameterClipResult {
  /** The clipped gradients, under the same names and in the same order as the input. */
  readonly gradients: Map<string, tf.Tensor>;
  /** `[parameters]`: each gradient's L2 norm before clipping, in the order of `gradients`. */
  readonly norms: tf.Tensor1D;
}

/**
 * Clips each gradient on its own to an L2 norm of about `maxNorm`, as DINO's and iBOT's
 * `utils.clip_gradients`: with `norm = ||g||_2` and `c = maxNorm / (norm + 1e-6)`, a gradient with
 * `c < 1` becomes `g * c`; the others are unchanged. Different from clipping by the global norm
 * ({@link clipGradientsByGlobalNorm}): each parameter is scaled independently.
 *
 * Does not dispose `gradients`; returns new tensors (the caller owns them) and the norms before
 * clipping, which the official code logs.
 *
 * Each gradient is one call of the fused kernel `SelfsupClipNorm` on backends that register it
 * (`native`, `webgpu`; docs/concepts/fused-kernels.md), else 8 tfjs ops (square, sum, sqrt, add,
 * div, less, where, mul; 11 kernel calls): the same float32 operations either way (bit for bit on
 * the native backend).
 *
 * @param gradients - Gradients by name.
 * @param maxNorm - The largest norm a gradient keeps (`clip_grad`, 3.0 in iBOT's ViT-S recipe).
 * @example
 * ```ts
 * const { gradients: clipped, norms } = clipGradientsPerParameter(grads, 3.0);
 * optimizer.step(clipped, iteration);
 * tf.dispose([...clipped.values(), norms]);
 * ```
 */
export function clipGradientsPerParameter(gradients: Gradients, maxNorm: number): PerParameterClipResult {
  checkPositive('clipGradientsPerParameter(maxNorm)', maxNorm);
  const entries = gradientEntries(gradients, 'clipGradientsPerParameter(gradients)');
  const names = [...entries.keys()];
  const clipOne = hasFusedKernel(FUSED_KERNELS.clipNorm) ? clipFused : clipComposite;
  // tf.tidy keeps tensors inside arrays and plain objects (not Maps): build the Map afterwards
  const { clipped, norms } = tf.tidy('clipGradientsPerParameter', () => {
    const clipped: tf.Tensor[] = [];
    const norms: tf.Tensor[] = [];
    for (const gradient of entries.values()) {
      const g = gradient.dtype === 'float32' ? gradient : tf.cast(gradient, 'float32');
      const [clippedGradient, norm] = clipOne(g, maxNorm);
      clipped.push(clippedGradient);
      norms.push(norm);
    }
    const normTensor = norms.length > 0 ? (tf.stack(norms) as tf.Tensor1D) : tf.tensor1d([], 'float32');
    return { clipped, norms: normTensor };
  });
  return { gradients: new Map(names.map((name, i) => [name, clipped[i]!])), norms };
}

/**
 * The clipping of one float32 gradient as tfjs ops (inside the caller's tidy): 8 ops, 11 kernel
 * calls (tf.where clones its three scalar operands with Identity).
 */
function clipComposite(g: tf.Tensor, maxNorm: number): [tf.Tensor, tf.Scalar] {
  // sqrt(sum(g^2)), a scalar (tf.norm would take |g| and an int32 power: three passes instead of one)
  const norm = tf.sqrt(tf.sum(tf.square(g))) as tf.Scalar;
  const coefficient = tf.div(tf.scalar(maxNorm), tf.add(norm, tf.scalar(1e-6)));
  // scale only when the coefficient is below 1 (a NaN norm leaves the gradient as it is, as in PyTorch)
  const factor = tf.where(tf.less(coefficient, tf.scalar(1)), coefficient, tf.scalar(1));
  return [tf.mul(g, factor), norm];
}

/**
 * The same clipping as the backend's fused kernel `SelfsupClipNorm` (inside the caller's tidy): one
 * call, whose second output is the norm as a scalar, the composite's shape (the norms stack alike).
 */
function clipFused(g: tf.Tensor, maxNorm: number): [tf.Tensor, tf.Scalar] {
  const [clipped, norm] = runFusedKernel(FUSED_KERNELS.clipNorm, { g }, { maxNorm });
  return [clipped!, norm as tf.Scalar];
}
