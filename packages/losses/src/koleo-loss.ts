import * as tf from '@tensorflow/tfjs-core';
import { checkOptions, checkPositive, invalidArgument } from '@selfsup/core';
import { checkTensor, describeTensor } from './check-tensor.js';

/** Options of {@link koleoLoss}. */
export interface KoleoLossOptions {
  /**
   * Guards the normalisation (`max(||x||, eps)`), the distances (`||a - b + eps||`) and the log.
   * @defaultValue 1e-8 (DINOv2's)
   */
  eps?: number;
}

/**
 * The KoLeo regulariser of DINOv2 (Sablayrolles et al., 2019; Oquab et al., 2024), from the
 * Kozachenko-Leonenko differential-entropy estimator: it spreads features uniformly over the
 * sphere. Each feature is scaled to unit length, its nearest neighbour in the batch is found
 * (largest dot product, itself excluded), and the loss is the negative mean log distance to it:
 *
 * `L = -mean_i log(||x_i - x_{nn(i)} + eps|| + eps)`.
 *
 * The neighbour search is not differentiated (as the official `argmax`).
 *
 * @param features - `[batch, dim]` with `batch >= 2`: usually the student's [CLS] features of one crop.
 * @returns a scalar; the caller owns it.
 *
 * @example
 * ```ts
 * const features = tf.randomNormal([8, 32]) as tf.Tensor2D; // e.g. [CLS] features of one crop
 * const regulariser = tf.mul(koleoLoss(features), 0.1); // DINOv2's weight
 * regulariser.print();
 * ```
 */
export function koleoLoss(features: tf.Tensor2D, options: KoleoLossOptions = {}): tf.Scalar {
  options = checkOptions('koleoLoss(options)', options, true);
  const eps = checkPositive('koleoLoss(options.eps)', options.eps ?? 1e-8);
  checkTensor('koleoLoss(features)', features, [null, null], '[batch, dim]');
  const batch = features.shape[0];
  if (batch < 2) {
    throw invalidArgument({ argument: 'koleoLoss(features)', expected: 'at least 2 rows (each needs a nearest neighbour)', actual: describeTensor(features), code: 'SHAPE_MISMATCH' });
  }
  return tf.tidy('koleoLoss', () => {
    const unit = tf.mul(features, tf.rsqrt(tf.maximum(tf.sum(tf.square(features), -1, true), eps * eps))); // [B, D]
    const dots = tf.matMul(unit, unit, false, true); // [B, B]
    const self = tf.cast(tf.eye(batch), 'bool');
    const neighbours = tf.argMax(tf.where(self, tf.fill([batch, batch], -1), dots), 1); // [B] int32, itself excluded
    // select the neighbours with a one-hot matmul: [B, B] x [B, D] -> [B, D] (differentiable in unit)
    const selection = tf.oneHot(neighbours, batch, 1, 0, 'float32') as tf.Tensor2D;
    const difference = tf.add(tf.sub(unit, tf.matMul(selection, unit as tf.Tensor2D)), eps); // [B, D]
    const distances = tf.sqrt(tf.sum(tf.square(difference), -1)); // [B]
    return tf.neg(tf.mean(tf.log(tf.add(distances, eps)))) as tf.Scalar;
  });
}
