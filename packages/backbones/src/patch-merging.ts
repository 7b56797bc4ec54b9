import * as tf from '@tensorflow/tfjs-core';
import { checkOptions, type Parameter, type Rng } from '@selfsup/core';
import { createLayerNorm } from './layer-norm.js';
import { createLinear } from './linear.js';

/** Options of {@link createPatchMerging}. */
export interface PatchMergingOptions {
  /** PyTorch name prefix (`layers.0.downsample`). */
  prefix: string;
  /** The input width; the output is `2 * dim` wide. */
  dim: number;
  /** @defaultValue 1e-6 */
  layerNormEps?: number;
  rng: Rng;
}

/** The official Swin `PatchMerging`: 2x2 neighbourhoods concatenated, normalised and reduced. */
export interface PatchMerging {
  parameters(): Parameter[];
  /**
   * `[batch, height * width, dim]` tokens of a `height` x `width` grid -> `[batch, ceil(height / 2)
   * * ceil(width / 2), 2 * dim]`. The caller owns the result.
   */
  apply(x: tf.Tensor3D, height: number, width: number): tf.Tensor3D;
}

/**
 * Creates patch merging with PyTorch names (`reduction.weight` without bias, `norm.*` over
 * `4 * dim`): an odd grid is padded with zeros at the bottom and right, each 2x2 neighbourhood is
 * concatenated in the official order (`x0` top-left, `x1` bottom-left, `x2` top-right, `x3`
 * bottom-right), normalised, and reduced to `2 * dim` by a linear map.
 */
export function createPatchMerging(options: PatchMergingOptions): PatchMerging {
  const { prefix, dim, layerNormEps = 1e-6, rng } = checkOptions('createPatchMerging(options)', options);
  const reduction = createLinear({ prefix: `${prefix}.reduction`, inDim: 4 * dim, outDim: 2 * dim, bias: false, rng });
  const norm = createLayerNorm({ prefix: `${prefix}.norm`, dim: 4 * dim, eps: layerNormEps });
  return {
    parameters: () => [...reduction.parameters(), ...norm.parameters()],
    apply: (x, height, width) =>
      tf.tidy('patchMerging', () => {
        const [batch, , channels] = x.shape;
        const rows = Math.ceil(height / 2);
        const columns = Math.ceil(width / 2);
        let grid = tf.reshape(x, [batch, height, width, channels]) as tf.Tensor4D;
        if (height % 2 === 1 || width % 2 === 1) {
          grid = tf.pad(grid, [
            [0, 0],
            [0, height % 2],
            [0, width % 2],
            [0, 0],
          ]);
        }
        // [B, 2r, 2c, C] -> [B*r, dy, c, dx, C] -> [B*r, c, dx, dy, C] -> [B, r*c, 4C]: channel blocks
        // (dx, dy) = (0, 0), (0, 1), (1, 0), (1, 1), the official x0, x1, x2, x3
        const split = tf.reshape(grid, [batch * rows, 2, columns, 2, channels]);
        const merged = tf.reshape(tf.transpose(split, [0, 2, 3, 1, 4]), [batch, rows * columns, 4 * channels]);
        return reduction.apply(norm.apply(merged)) as tf.Tensor3D;
      }),
  };
}
