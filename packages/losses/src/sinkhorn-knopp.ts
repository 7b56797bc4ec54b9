import * as tf from '@tensorflow/tfjs-core';
import { checkInteger, checkOptions, checkPositive } from '@selfsup/core';
import { checkTensor } from './check-tensor.js';

/** Options of {@link sinkhornKnopp}. */
export interface SinkhornKnoppOptions {
  /** The teacher temperature (as for {@link teacherTargets}). */
  temperature: number;
  /**
   * Alternations of prototype and sample normalisation.
   * @defaultValue 3 (DINOv2's)
   */
  iterations?: number;
}

/**
 * Sinkhorn-Knopp centring of teacher outputs (SwAV; DINOv2's `sinkhorn_knopp_teacher`), an
 * alternative to {@link teacherTargets}' running centre: starting from `exp(logits / temperature)`,
 * the assignment matrix is rescaled alternately so that every prototype receives the same total
 * weight over the batch and every sample's weights sum to one, so the batch is spread evenly over
 * the prototypes. `exp` is taken after subtracting the global maximum, which the first
 * normalisation cancels exactly (no overflow at low temperatures).
 *
 * Single process: across several workers, the sums over samples are all-reduced in DINOv2.
 *
 * @param teacherLogits - `[samples, prototypes]`.
 * @returns `[samples, prototypes]` targets whose rows sum to 1; the caller owns them.
 *
 * @example
 * ```ts
 * const targets = sinkhornKnopp(tf.randomNormal([8, 16]) as tf.Tensor2D, { temperature: 0.07 }); // [8, 16]
 * tf.sum(targets, 1).print(); // every row sums to 1
 * ```
 */
export function sinkhornKnopp(teacherLogits: tf.Tensor2D, options: SinkhornKnoppOptions): tf.Tensor2D {
  checkOptions('sinkhornKnopp(options)', options);
  const temperature = checkPositive('sinkhornKnopp(options.temperature)', options.temperature);
  const iterations = checkInteger('sinkhornKnopp(options.iterations)', options.iterations ?? 3, 0);
  checkTensor('sinkhornKnopp(teacherLogits)', teacherLogits, [null, null], '[samples, prototypes]');
  const [samples, prototypes] = teacherLogits.shape;
  return tf.tidy('sinkhornKnopp', () => {
    // Q[b, k] (the official Q transposed): exp((t - max t) / T), then the whole matrix sums to 1
    let q = tf.exp(tf.div(tf.sub(teacherLogits, tf.max(teacherLogits)), temperature)) as tf.Tensor2D;
    q = tf.div(q, tf.sum(q)) as tf.Tensor2D;
    for (let i = 0; i < iterations; i++) {
      q = tf.div(q, tf.mul(tf.sum(q, 0, true), prototypes)) as tf.Tensor2D; // each prototype: total 1 / K
      q = tf.div(q, tf.mul(tf.sum(q, 1, true), samples)) as tf.Tensor2D; // each sample: total 1 / B
    }
    return tf.mul(q, samples) as tf.Tensor2D; // each sample's row sums to 1
  });
}
