import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@selfsup/core';
import { invalidArgument } from '@selfsup/core';
import { imageMask } from './separable.js';
import { checkImages, checkPerImage, checkProbability, sampleFlags } from './validate.js';

/** Pillow's `ImageOps.solarize` threshold 128 on 8-bit pixels, as a float in [0, 1]. */
export const SOLARIZE_THRESHOLD = 128 / 255;

/** Options of {@link applySolarize}. */
export interface SolarizeThresholdOptions {
  /**
   * Pixels at or above the threshold are inverted (`x ← 1 - x`).
   * @defaultValue 128 / 255 (Pillow's `ImageOps.solarize` default of 128 on 8-bit pixels)
   */
  threshold?: number;
}

/** Options of {@link solarize}. */
export interface SolarizeOptions extends SolarizeThresholdOptions {
  /**
   * Probability of solarizing each image.
   * @defaultValue 0.2 (DINO's and iBOT's second global crop)
   */
  p?: number;
}

/** Validates a solarize threshold. */
export function checkThreshold(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidArgument({ argument, expected: 'a finite number (pixel value in [0, 1])', actual: value, fix: 'Pillow uses 128 / 255.' });
  }
  return value;
}

/** Internal: {@link applySolarize} without validation or tidy. */
export function solarizeKernel(images: tf.Tensor4D, flags: ArrayLike<number>, threshold: number): tf.Tensor4D {
  const batch = images.shape[0];
  let count = 0;
  for (let b = 0; b < batch; b++) if (flags[b]) count++;
  if (count === 0) return tf.clone(images);
  let invert = tf.greaterEqual(images, threshold);
  if (count < batch) invert = tf.logicalAnd(invert, imageMask(images, flags));
  return tf.where(invert, tf.sub(1, images), images) as tf.Tensor4D;
}

/**
 * Solarizes the flagged images: every pixel value at or above `threshold` is inverted to `1 - x`
 * (Pillow's `ImageOps.solarize`, torchvision's `F.solarize`), the rest kept.
 *
 * @param images `[batch, height, width, channels]`, float32 in [0, 1]
 * @param flags one flag per image; non-zero solarizes it
 * @returns `[batch, height, width, channels]`; the caller owns it
 *
 * @example
 * ```ts
 * const out = applySolarize(images, Uint8Array.of(1, 0));
 * ```
 */
export function applySolarize(
  images: tf.Tensor4D,
  flags: ArrayLike<number>,
  options: SolarizeThresholdOptions = {},
): tf.Tensor4D {
  checkImages('applySolarize(images)', images);
  checkPerImage('applySolarize(flags)', flags, images.shape[0]);
  const threshold = checkThreshold('applySolarize(options.threshold)', options.threshold ?? SOLARIZE_THRESHOLD);
  return tf.tidy('applySolarize', () => solarizeKernel(images, flags, threshold));
}

/**
 * Random solarization (BYOL's, used by DINO and iBOT on the second global crop): with probability
 * `p` an image has every pixel `>= threshold` inverted. Draws one `rng.bernoulli(p)` per image, in
 * image order.
 *
 * @param images `[batch, height, width, channels]`, float32 in [0, 1]
 * @returns `[batch, height, width, channels]`; the caller owns it
 *
 * @example
 * ```ts
 * const out = solarize(images, rng, { p: 0.2 });
 * ```
 */
export function solarize(images: tf.Tensor4D, rng: Rng, options: SolarizeOptions = {}): tf.Tensor4D {
  checkImages('solarize(images)', images);
  const p = checkProbability('solarize(options.p)', options.p ?? 0.2);
  const threshold = checkThreshold('solarize(options.threshold)', options.threshold ?? SOLARIZE_THRESHOLD);
  const flags = sampleFlags(images.shape[0], p, rng);
  return tf.tidy('solarize', () => solarizeKernel(images, flags, threshold));
}
