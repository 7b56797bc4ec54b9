import * as tf from '@tensorflow/tfjs-core';
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
  // tf.tidy keeps tensors inside arrays and plain objects (not Maps): build the Map afterwards
  const { clipped, norms } = tf.tidy('clipGradientsPerParameter', () => {
    const clipped: tf.Tensor[] = [];
    const norms: tf.Tensor[] = [];
    for (const gradient of entries.values()) {
      const g = gradient.dtype === 'float32' ? gradient : tf.cast(gradient, 'float32');
      // sqrt(sum(g^2)), a scalar (tf.norm would take |g| and an int32 power: three passes instead of one)
      const norm = tf.sqrt(tf.sum(tf.square(g)));
      const coefficient = tf.div(tf.scalar(maxNorm), tf.add(norm, tf.scalar(1e-6)));
      // scale only when the coefficient is below 1 (a NaN norm leaves the gradient as it is, as in PyTorch)
      const factor = tf.where(tf.less(coefficient, tf.scalar(1)), coefficient, tf.scalar(1));
      clipped.push(tf.mul(g, factor));
      norms.push(norm);
    }
    const normTensor = norms.length > 0 ? (tf.stack(norms) as tf.Tensor1D) : tf.tensor1d([], 'float32');
    return { clipped, norms: normTensor };
  });
  return { gradients: new Map(names.map((name, i) => [name, clipped[i]!])), norms };
}
