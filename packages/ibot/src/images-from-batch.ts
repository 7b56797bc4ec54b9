import * as tf from '@tensorflow/tfjs-core';
import type { ImageBatch } from './pretraining.js';

/**
 * The images of a batch as floats: `[size, height, width, channels]` bytes -> the same shape in
 * [0, 1]. The caller owns the result.
 *
 * @example
 * ```ts
 * const images = imagesFromBatch(batch); // [B, 28, 28, 1] in [0, 1]
 * ```
 */
export function imagesFromBatch(batch: ImageBatch): tf.Tensor4D {
  return tf.tidy('imagesFromBatch', () =>
    tf.div(tf.tensor4d(batch.images, [batch.size, batch.height, batch.width, batch.channels], 'float32'), 255),
  );
}
