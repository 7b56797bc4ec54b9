import * as tf from '@tensorflow/tfjs-core';
import { checkInteger, checkNotDisposed, checkOptions, invalidArgument } from '@selfsup/core';
import { checkTensor, describeTensor } from './check-tensor.js';
import { patchify } from './patchify.js';
import { maskRows } from './token-mask.js';

/** Inputs of {@link maeLoss}. */
export interface MaeLossInputs {
  /** `[batch, height, width, channels]`: the original NHWC images. */
  images: tf.Tensor4D;
  /** `[batch, patches, p * p * channels]`: the decoder's pixel predictions, patches laid out as {@link patchify}. */
  prediction: tf.Tensor3D;
  /** 1 where a patch was removed (MAE's `mask`): `[batch, patches]` or `[batch, h, w]`. */
  mask: tf.Tensor;
  /** Side of the square patches, in pixels. */
  patchSize: number;
  /**
   * Compare with each patch standardised by its own mean and unbiased variance,
   * `(x - mean) / sqrt(var + 1e-6)` (MAE's `norm_pix_loss`, which improves representations).
   * @defaultValue false
   */
  normalizePixels?: boolean;
}

/**
 * The masked autoencoder's reconstruction loss (He et al., 2022): the mean squared error between
 * predicted and true pixels of each patch, averaged over the removed patches only:
 *
 * `L = sum_{i,n} m[i, n] * mean_j (prediction[i, n, j] - target[i, n, j])^2 / sum_{i,n} m[i, n]`
 *
 * where `target = patchify(images)`, optionally standardised per patch. With no removed patch
 * the loss is 0 (the official code divides by zero).
 *
 * @returns a scalar; the caller owns it.
 *
 * @example
 * ```ts
 * const images = tf.randomUniform([2, 32, 32, 3]) as tf.Tensor4D;
 * const prediction = tf.randomNormal([2, 64, 48]) as tf.Tensor3D; // 8x8 patches of 4x4x3 pixels
 * const mask = tf.greater(tf.randomUniform([2, 64]), 0.25); // 1 = removed (75 %)
 * maeLoss({ images, prediction, mask, patchSize: 4, normalizePixels: true }).print();
 * ```
 */
export function maeLoss(inputs: MaeLossInputs): tf.Scalar {
  checkOptions('maeLoss(inputs)', inputs);
  const patchSize = checkInteger('maeLoss(inputs.patchSize)', inputs.patchSize, 1);
  const images = inputs.images;
  checkNotDisposed('maeLoss(inputs.images)', images);
  if (!(images instanceof tf.Tensor) || images.rank !== 4 || images.shape[1] % patchSize !== 0 || images.shape[2] % patchSize !== 0) {
    throw invalidArgument({
      argument: 'maeLoss(inputs.images)',
      expected: `NHWC images [batch, height, width, channels] with height and width multiples of ${patchSize}`,
      actual: describeTensor(images),
      code: 'SHAPE_MISMATCH',
    });
  }
  const [batch, height, width, channels] = images.shape;
  const patches = (height / patchSize) * (width / patchSize);
  const patchDim = patchSize * patchSize * channels;
  checkTensor('maeLoss(inputs.prediction)', inputs.prediction, [batch, patches, patchDim], `[${batch}, ${patches}, ${patchDim}] (patches of ${patchSize}x${patchSize}x${channels} pixels)`);
  return tf.tidy('maeLoss', () => {
    const mask = maskRows('maeLoss(inputs.mask)', inputs.mask, batch, patches, [height / patchSize, width / patchSize]); // [B, N]
    let target: tf.Tensor = patchify(images, patchSize); // [B, N, p*p*C]
    if (inputs.normalizePixels) {
      const mean = tf.mean(target, -1, true);
      const centred = tf.sub(target, mean);
      const variance = tf.div(tf.sum(tf.square(centred), -1, true), patchDim - 1); // unbiased, as torch.var
      target = tf.mul(centred, tf.rsqrt(tf.add(variance, 1e-6)));
    }
    const perPatch = tf.mean(tf.square(tf.sub(inputs.prediction, target)), -1); // [B, N]
    return tf.div(tf.sum(tf.mul(perPatch, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  });
}
