import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@selfsup/core';
import { applyColumns } from './separable.js';
import { checkImages, checkPerImage, checkProbability, sampleFlags } from './validate.js';

/** Options of {@link horizontalFlip}. */
export interface HorizontalFlipOptions {
  /**
   * Probability of flipping each image.
   * @defaultValue 0.5
   */
  p?: number;
}

/** Internal: the flip of {@link applyHorizontalFlip}, without validation or tidy. */
export function flipKernel(images: tf.Tensor4D, flip: ArrayLike<number>): tf.Tensor4D {
  const [batch, , width] = images.shape;
  let count = 0;
  for (let b = 0; b < batch; b++) if (flip[b]) count++;
  if (count === 0) return tf.clone(images);
  // per image: the reversal permutation (flipped) or the identity, as a column operator
  const cols = new Float32Array(batch * width * width);
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < width; o++) cols[b * width * width + o * width + (flip[b] ? width - 1 - o : o)] = 1;
  }
  return applyColumns(images, cols, width);
}

/**
 * Mirrors the flagged images left to right (the width axis).
 *
 * @param images `[batch, height, width, channels]`
 * @param flip one flag per image; non-zero flips it
 * @returns `[batch, height, width, channels]`; the caller owns it
 *
 * @example
 * ```ts
 * const mirrored = applyHorizontalFlip(images, Uint8Array.of(1, 0)); // flips image 0 only
 * ```
 */
export function applyHorizontalFlip(images: tf.Tensor4D, flip: ArrayLike<number>): tf.Tensor4D {
  checkImages('applyHorizontalFlip(images)', images);
  checkPerImage('applyHorizontalFlip(flip)', flip, images.shape[0]);
  return tf.tidy('applyHorizontalFlip', () => flipKernel(images, flip));
}

/**
 * Random horizontal flip (torchvision's `RandomHorizontalFlip`): each image is mirrored with
 * probability `p`. Draws one `rng.bernoulli(p)` per image, in image order.
 *
 * @param images `[batch, height, width, channels]`
 * @returns `[batch, height, width, channels]`; the caller owns it
 *
 * @example
 * ```ts
 * const views = horizontalFlip(images, rng); // p = 0.5
 * ```
 */
export function horizontalFlip(images: tf.Tensor4D, rng: Rng, options: HorizontalFlipOptions = {}): tf.Tensor4D {
  checkImages('horizontalFlip(images)', images);
  const p = checkProbability('horizontalFlip(options.p)', options.p ?? 0.5);
  const flip = sampleFlags(images.shape[0], p, rng);
  return tf.tidy('horizontalFlip', () => flipKernel(images, flip));
}
