import * as tf from '@tensorflow/tfjs-core';
import { checkInteger, invalidArgument } from '@selfsup/core';

/** Options of {@link sinCosPositionEmbedding}. */
export interface SinCosPositionEmbeddingOptions {
  /**
   * Prepend a row of zeros for the [CLS] token.
   * @defaultValue false
   */
  classToken?: boolean;
}

/**
 * The fixed 2-D sine-cosine position embeddings of MAE (`get_2d_sincos_pos_embed`), one row per
 * patch in row-major order. The first half of the channels encodes the patch's column, the second
 * half its row; each half is `[sin(p * w_0), ..., sin(p * w_{d-1}), cos(p * w_0), ..., cos(p * w_{d-1})]`
 * with frequencies `w_i = 10000^(-i / d)` and `d = dim / 4`. Computed in float64, returned in
 * float32. Returns `[(classToken ? 1 : 0) + height * width, dim]`; the caller owns it.
 *
 * @param dim - the embedding width, a multiple of 4.
 * @param gridSize - patches per side, or `[height, width]` in patches.
 *
 * @example
 * ```ts
 * const table = sinCosPositionEmbedding(512, 14, { classToken: true }); // [197, 512]
 * ```
 */
export function sinCosPositionEmbedding(
  dim: number,
  gridSize: number | readonly [number, number],
  options: SinCosPositionEmbeddingOptions = {},
): tf.Tensor2D {
  checkInteger('sinCosPositionEmbedding(dim)', dim, 4);
  if (dim % 4 !== 0) {
    throw invalidArgument({ argument: 'sinCosPositionEmbedding(dim)', expected: 'a multiple of 4 (sine and cosine for rows and columns)', actual: dim });
  }
  const [height, width] = typeof gridSize === 'number' ? [gridSize, gridSize] : gridSize;
  checkInteger('sinCosPositionEmbedding(gridSize) height', height, 1);
  checkInteger('sinCosPositionEmbedding(gridSize) width', width, 1);
  const quarter = dim / 4;
  const frequencies = Float64Array.from({ length: quarter }, (_, i) => 1 / 10000 ** (i / quarter));
  const offset = options.classToken ? 1 : 0;
  const values = new Float32Array((offset + height * width) * dim); // the [CLS] row stays 0
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const row = (offset + y * width + x) * dim;
      for (let i = 0; i < quarter; i++) {
        values[row + i] = Math.sin(x * frequencies[i]!);
        values[row + quarter + i] = Math.cos(x * frequencies[i]!);
        values[row + 2 * quarter + i] = Math.sin(y * frequencies[i]!);
        values[row + 3 * quarter + i] = Math.cos(y * frequencies[i]!);
      }
    }
  }
  return tf.tensor2d(values, [offset + height * width, dim]);
}
