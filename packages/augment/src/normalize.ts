import * as tf from '@tensorflow/tfjs-core';
import { checkChannelValues, checkImages } from './validate.js';

/** Options of {@link normalize}. */
export interface NormalizeOptions {
  /** Per-channel mean, one value per channel (e.g. ImageNet's `[0.485, 0.456, 0.406]`). */
  mean: readonly number[];
  /** Per-channel standard deviation, one value > 0 per channel (e.g. ImageNet's `[0.229, 0.224, 0.225]`). */
  std: readonly number[];
}

/** Internal: {@link normalize} without validation or tidy. */
export function normalizeKernel(images: tf.Tensor4D, mean: readonly number[], std: readonly number[]): tf.Tensor4D {
  // rank-1 [C] operands broadcast over the trailing axis only: the fast path of every backend
  return tf.div(tf.sub(images, tf.tensor1d([...mean])), tf.tensor1d([...std]));
}

/**
 * Standardises each channel: `(x - mean[c]) / std[c]` (torchvision's `Normalize`).
 *
 * @param images `[batch, height, width, channels]`
 * @returns `[batch, height, width, channels]`; the caller owns it
 *
 * @example
 * ```ts
 * const input = normalize(images, { mean: [0.2860], std: [0.3530] }); // Fashion-MNIST
 * ```
 */
export function normalize(images: tf.Tensor4D, options: NormalizeOptions): tf.Tensor4D {
  checkImages('normalize(images)', images);
  const channels = images.shape[3];
  const mean = checkChannelValues('normalize(options.mean)', options?.mean, channels, false);
  const std = checkChannelValues('normalize(options.std)', options?.std, channels, true);
  return tf.tidy('normalize', () => normalizeKernel(images, mean, std));
}
