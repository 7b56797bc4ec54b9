import * as tf from '@tensorflow/tfjs-core';
import { checkInteger, checkNotDisposed, invalidArgument } from '@selfsup/core';
import { describeTensor } from './check-tensor.js';

/**
 * Cuts NHWC images into non-overlapping square patches, row-major over the grid, each patch
 * flattened `(row, column, channel)`: MAE's `patchify` (`nchpwq -> nhwpqc`) for NHWC input, and
 * the layout of the ViT's patch embedding.
 *
 * @param images - `[batch, height, width, channels]`, height and width multiples of `patchSize`.
 * @returns `[batch, (height / p) * (width / p), p * p * channels]`; the caller owns it.
 *
 * @example
 * ```ts
 * patchify(tf.zeros([8, 32, 32, 3]) as tf.Tensor4D, 4).shape; // [8, 64, 48]
 * ```
 */
export function patchify(images: tf.Tensor4D, patchSize: number): tf.Tensor3D {
  checkInteger('patchify(patchSize)', patchSize, 1);
  checkNotDisposed('patchify(images)', images);
  if (!(images instanceof tf.Tensor) || images.rank !== 4 || images.shape[1] % patchSize !== 0 || images.shape[2] % patchSize !== 0) {
    throw invalidArgument({
      argument: 'patchify(images)',
      expected: `NHWC images [batch, height, width, channels] with height and width multiples of ${patchSize}`,
      actual: describeTensor(images),
      code: 'SHAPE_MISMATCH',
      fix: 'Images are NHWC: transpose NCHW data with tf.transpose(x, [0, 2, 3, 1]).',
    });
  }
  const [batch, height, width, channels] = images.shape;
  const rows = height / patchSize;
  const columns = width / patchSize;
  return tf.tidy('patchify', () => {
    // [B, H, W, C] -> [B*h, p, w, p*C] -> [B*h, w, p, p*C] -> [B, h*w, p*p*C]
    const strips = tf.reshape(images, [batch * rows, patchSize, columns, patchSize * channels]);
    return tf.reshape(tf.transpose(strips, [0, 2, 1, 3]), [batch, rows * columns, patchSize * patchSize * channels]) as tf.Tensor3D;
  });
}

/**
 * Puts patches back together into NHWC images, the inverse of {@link patchify} (MAE's `unpatchify`).
 *
 * @param patches - `[batch, patches, p * p * channels]`.
 * @param gridSize - `[rows, columns]` of patches. @defaultValue a square grid
 * @returns `[batch, rows * p, columns * p, channels]`; the caller owns it.
 *
 * @example
 * ```ts
 * unpatchify(tf.zeros([8, 64, 48]) as tf.Tensor3D, 4).shape; // [8, 32, 32, 3]
 * ```
 */
export function unpatchify(patches: tf.Tensor3D, patchSize: number, gridSize?: readonly [number, number]): tf.Tensor4D {
  checkInteger('unpatchify(patchSize)', patchSize, 1);
  checkNotDisposed('unpatchify(patches)', patches);
  if (!(patches instanceof tf.Tensor) || patches.rank !== 3 || patches.shape[2] % (patchSize * patchSize) !== 0) {
    throw invalidArgument({
      argument: 'unpatchify(patches)',
      expected: `[batch, patches, ${patchSize}*${patchSize}*channels]`,
      actual: describeTensor(patches),
      code: 'SHAPE_MISMATCH',
    });
  }
  const [batch, count, patchDim] = patches.shape;
  const side = Math.round(Math.sqrt(count));
  const [rows, columns] = gridSize ?? [side, side];
  if (rows * columns !== count) {
    throw invalidArgument({
      argument: 'unpatchify(gridSize)',
      expected: `a grid of ${count} patches`,
      actual: gridSize ?? `${side}x${side} (square)`,
      code: 'SHAPE_MISMATCH',
      fix: 'Pass [rows, columns] for non-square images.',
    });
  }
  const channels = patchDim / (patchSize * patchSize);
  return tf.tidy('unpatchify', () => {
    // [B, h*w, p*p*C] -> [B*h, w, p, p*C] -> [B*h, p, w, p*C] -> [B, H, W, C]
    const strips = tf.reshape(patches, [batch * rows, columns, patchSize, patchSize * channels]);
    return tf.reshape(tf.transpose(strips, [0, 2, 1, 3]), [batch, rows * patchSize, columns * patchSize, channels]) as tf.Tensor4D;
  });
}
