import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@selfsup/core';
import { applyColorMatrix } from './color-matrix.js';
import { checkImages, checkPerImage, checkProbability, sampleFlags } from './validate.js';

/** ITU-R 601-2 luma weights of red, green and blue (Pillow's `convert('L')`). */
export const LUMA_WEIGHTS = [0.299, 0.587, 0.114] as const;

/** Options of {@link randomGrayscale}. */
export interface RandomGrayscaleOptions {
  /**
   * Probability of turning each image gray.
   * @defaultValue 0.2 (DINO, iBOT)
   */
  p?: number;
}

/** Internal: the grayscale of {@link applyGrayscale}, without validation or tidy. */
export function grayscaleKernel(images: tf.Tensor4D, flags: ArrayLike<number>): tf.Tensor4D {
  const [batch, , , channels] = images.shape;
  let count = 0;
  for (let b = 0; b < batch; b++) if (flags[b]) count++;
  if (channels === 1 || count === 0) return tf.clone(images);
  // per image: every output channel = Σ_k w_k x_k (flagged) or the identity
  const matrices = new Float32Array(batch * 9);
  for (let b = 0; b < batch; b++) {
    for (let k = 0; k < 3; k++) for (let c = 0; c < 3; c++) matrices[b * 9 + k * 3 + c] = flags[b] ? LUMA_WEIGHTS[k]! : k === c ? 1 : 0;
  }
  return applyColorMatrix(images, matrices);
}

/**
 * Replaces each flagged RGB image by its luma `0.299 R + 0.587 G + 0.114 B` (ITU-R 601-2, as
 * Pillow's `convert('L')`) in all three channels. Grayscale (1-channel) images are unchanged.
 *
 * @param images `[batch, height, width, 1 | 3]`
 * @param flags one flag per image; non-zero turns it gray
 * @returns `[batch, height, width, 1 | 3]`; the caller owns it
 *
 * @example
 * ```ts
 * const gray = applyGrayscale(images, Uint8Array.of(1, 1));
 * ```
 */
export function applyGrayscale(images: tf.Tensor4D, flags: ArrayLike<number>): tf.Tensor4D {
  checkImages('applyGrayscale(images)', images, [1, 3]);
  checkPerImage('applyGrayscale(flags)', flags, images.shape[0]);
  return tf.tidy('applyGrayscale', () => grayscaleKernel(images, flags));
}

/**
 * Random grayscale (torchvision's `RandomGrayscale`, 3 output channels): each RGB image becomes
 * gray with probability `p`. Draws one `rng.bernoulli(p)` per image, in image order, also for
 * 1-channel images (which stay unchanged), so the stream does not depend on the channel count.
 *
 * @param images `[batch, height, width, 1 | 3]`
 * @returns `[batch, height, width, 1 | 3]`; the caller owns it
 *
 * @example
 * ```ts
 * const views = randomGrayscale(images, rng, { p: 0.2 });
 * ```
 */
export function randomGrayscale(images: tf.Tensor4D, rng: Rng, options: RandomGrayscaleOptions = {}): tf.Tensor4D {
  checkImages('randomGrayscale(images)', images, [1, 3]);
  const p = checkProbability('randomGrayscale(options.p)', options.p ?? 0.2);
  const flags = sampleFlags(images.shape[0], p, rng);
  return tf.tidy('randomGrayscale', () => grayscaleKernel(images, flags));
}
