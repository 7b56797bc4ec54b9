import * as tf from '@tensorflow/tfjs-core';
import { checkTokenMask, type TokenMask } from './token-mask.js';

/**
 * The mask as the backbone takes it: `[batch, patches]`, 1 where a patch is masked.
 * Pass it as `backbone.encode(images, { tokenMask })` (iBOT, BEiT, SimMIM) or to a patch loss.
 *
 * @param dtype - `float32` (default, 0/1), `int32` or `bool`.
 * @returns A new tensor `[batchSize, gridHeight * gridWidth]`; the caller owns it.
 * @example
 * ```ts
 * const tokenMask = tokenMaskToTensor(masking.sample(8, 14, rng)); // [8, 196] float32
 * const features = backbone.encode(images, { tokenMask });
 * tokenMask.dispose();
 * ```
 */
export function tokenMaskToTensor(mask: TokenMask, dtype: 'float32' | 'int32' | 'bool' = 'float32'): tf.Tensor2D {
  checkTokenMask(mask, 'tokenMaskToTensor(mask)');
  const shape: [number, number] = [mask.batchSize, mask.gridHeight * mask.gridWidth];
  return tf.tidy('tokenMaskToTensor', () => tf.tensor2d(valuesFor(mask.data, dtype), shape, dtype));
}

/**
 * The mask over the patch grid: `[batch, gridHeight, gridWidth]`, 1 where a patch is masked (the
 * layout of iBOT's `masks` and of the reference fixtures).
 *
 * @param dtype - `float32` (default, 0/1), `int32` or `bool`.
 * @returns A new tensor `[batchSize, gridHeight, gridWidth]`; the caller owns it.
 * @example
 * ```ts
 * const masks = tokenMaskToTensor3d(mask); // [8, 14, 14]
 * masks.dispose();
 * ```
 */
export function tokenMaskToTensor3d(mask: TokenMask, dtype: 'float32' | 'int32' | 'bool' = 'float32'): tf.Tensor3D {
  checkTokenMask(mask, 'tokenMaskToTensor3d(mask)');
  const shape: [number, number, number] = [mask.batchSize, mask.gridHeight, mask.gridWidth];
  return tf.tidy('tokenMaskToTensor3d', () => tf.tensor3d(valuesFor(mask.data, dtype), shape, dtype));
}

/**
 * Per-token loss weights that average over each image's masked patches: `1 / count_b` on the
 * masked patches of image `b`, 0 elsewhere (`count_b` clamped to at least 1, so an unmasked image
 * weighs 0). Summing `weights * tokenLoss` over patches gives iBOT's per-image mean of the patch
 * loss; DINOv2 calls the masked entries `masks_weight`.
 *
 * @returns A new float32 tensor `[batchSize, gridHeight * gridWidth]`; the caller owns it.
 * @example
 * ```ts
 * // mask [[1, 1, 0, 0], [0, 0, 0, 0]] -> weights [[0.5, 0.5, 0, 0], [0, 0, 0, 0]]
 * const weights = maskedTokenWeightsToTensor(mask);
 * weights.dispose();
 * ```
 */
export function maskedTokenWeightsToTensor(mask: TokenMask): tf.Tensor2D {
  checkTokenMask(mask, 'maskedTokenWeightsToTensor(mask)');
  const tokens = mask.gridHeight * mask.gridWidth;
  const weights = new Float32Array(mask.data.length);
  for (let b = 0; b < mask.batchSize; b++) {
    const offset = b * tokens;
    let count = 0;
    for (let i = 0; i < tokens; i++) count += mask.data[offset + i]!;
    const weight = 1 / Math.max(count, 1);
    for (let i = 0; i < tokens; i++) weights[offset + i] = mask.data[offset + i]! * weight;
  }
  return tf.tidy('maskedTokenWeightsToTensor', () => tf.tensor2d(weights, [mask.batchSize, tokens], 'float32'));
}

function valuesFor(data: Uint8Array, dtype: 'float32' | 'int32' | 'bool'): Float32Array | Int32Array | Uint8Array {
  if (dtype === 'float32') return Float32Array.from(data);
  if (dtype === 'int32') return Int32Array.from(data);
  return data;
}
