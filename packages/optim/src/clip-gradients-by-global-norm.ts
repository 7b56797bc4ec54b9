import * as tf from '@tensorflow/tfjs-core';
import { checkPositive } from '@selfsup/core';
import { gradientEntries, type Gradients } from './gradients.js';

/** What {@link clipGradientsByGlobalNorm} returns. The caller owns every tensor. */
export interface GlobalNormClipResult {
  /** The scaled gradients, under the same names and in the same order as the input. */
  readonly gradients: Map<string, tf.Tensor>;
  /** The L2 norm of all gradients together, before clipping (a scalar). */
  readonly totalNorm: tf.Scalar;
}

/**
 * Scales all gradients by one factor so that their joint L2 norm is at most about `maxNorm`, as
 * PyTorch's `torch.nn.utils.clip_grad_norm_` (used by MAE and BEiT): `total = sqrt(sum_p ||g_p||^2)`,
 * every gradient is multiplied by `min(maxNorm / (total + 1e-6), 1)`.
 *
 * Does not dispose `gradients`; returns new tensors (the caller owns them) and the total norm.
 *
 * @param gradients - Gradients by name.
 * @param maxNorm - The largest joint norm.
 * @example
 * ```ts
 * const { gradients: clipped, totalNorm } = clipGradientsByGlobalNorm(grads, 1.0);
 * optimizer.step(clipped, iteration);
 * tf.dispose([...clipped.values(), totalNorm]);
 * ```
 */
export function clipGradientsByGlobalNorm(gradients: Gradients, maxNorm: number): GlobalNormClipResult {
  checkPositive('clipGradientsByGlobalNorm(maxNorm)', maxNorm);
  const entries = gradientEntries(gradients, 'clipGradientsByGlobalNorm(gradients)');
  const names = [...entries.keys()];
  // tf.tidy keeps tensors inside arrays and plain objects (not Maps): build the Map afterwards
  const { scaled, totalNorm } = tf.tidy('clipGradientsByGlobalNorm', () => {
    const floats = [...entries.values()].map((g) => (g.dtype === 'float32' ? g : tf.cast(g, 'float32')));
    // the norm of the per-parameter norms, as torch stacks them
    const totalNorm =
      floats.length > 0 ? (tf.norm(tf.stack(floats.map((g) => tf.sqrt(tf.sum(tf.square(g)))))) as tf.Scalar) : tf.scalar(0);
    const coefficient = tf.div(tf.scalar(maxNorm), tf.add(totalNorm, tf.scalar(1e-6)));
    const factor = tf.minimum(coefficient, tf.scalar(1));
    return { scaled: floats.map((g) => tf.mul(g, factor)), totalNorm };
  });
  return { gradients: new Map(names.map((name, i) => [name, scaled[i]!])), totalNorm };
}
