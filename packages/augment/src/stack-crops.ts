import * as tf from '@tensorflow/tfjs-core';
import type { MultiCropViews } from './multi-crop.js';

/**
 * Stacks the views of a multi-crop, crop after crop, as the official multi-crop wrapper
 * concatenates them: `global` `[globalCrops * batch, H, W, C]` (`[crop0 of every image; crop1 of
 * every image; ...]`) and `local` `[localCrops * batch, h, w, C]` when there are local crops. The
 * inputs are not disposed; the caller owns the result.
 *
 * @example
 * ```ts
 * const { global, local } = stackCrops(multiCrop.views(images, rng)); // [2B, 224, 224, 3], [10B, 96, 96, 3]
 * ```
 */
export function stackCrops(views: MultiCropViews): { global: tf.Tensor4D; local?: tf.Tensor4D } {
  return tf.tidy('stackCrops', () => ({
    global: tf.concat(views.global) as tf.Tensor4D,
    ...(views.local.length > 0 ? { local: tf.concat(views.local) as tf.Tensor4D } : {}),
  }));
}
