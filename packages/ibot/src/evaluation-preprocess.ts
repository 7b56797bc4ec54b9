import * as tf from '@tensorflow/tfjs-core';
import type { MethodInput } from './method-input.js';

/**
 * The images as the backbone saw them in training: `[B, H, W, C]` in [0, 1] -> `[B, S, S, C]`,
 * resized (bilinear, half-pixel centres) to the crop side `S = input.imageSize` when they differ,
 * then normalised with the crops' per-channel mean and standard deviation (as `selfsup eval` and
 * the playground's k-NN monitor do). The returned function makes tensors it does not free: call
 * it inside a `tf.tidy` (as `extractFeatures` and `createKnnMonitor` of `@selfsup/eval` do).
 *
 * @example
 * ```ts
 * const preprocess = evaluationPreprocess(inputOf(method, config));
 * const features = await extractFeatures(backbone, dataset, { preprocess });
 * ```
 */
export function evaluationPreprocess(input: MethodInput): (images: tf.Tensor4D) => tf.Tensor4D {
  return (images) => {
    const [, height, width] = images.shape;
    const size = input.imageSize;
    const sized = height === size && width === size ? images : tf.image.resizeBilinear(images, [size, size], false, true);
    // [B, H, W, C] - [C], / [C]
    return tf.div(tf.sub(sized, tf.tensor1d([...input.mean])), tf.tensor1d([...input.std])) as tf.Tensor4D;
  };
}
