import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkOptions, type Parameter, type Rng } from '@selfsup/core';
import { createLayerNorm } from './layer-norm.js';
import { createMlp } from './mlp.js';
import { dropPath, type BlockCallOptions } from './transformer-block.js';
import { createWindowAttention } from './window-attention.js';
import { rollSpatial, shiftedWindowMask, windowPartition, windowReverse } from './swin-windows.js';

/** Options of {@link createSwinBlock}. */
export interface SwinBlockOptions {
  /** PyTorch name prefix (`layers.0.blocks.1`). */
  prefix: string;
  dim: number;
  headCount: number;
  /** The side of a window (the stage's, already reduced to its resolution when that is smaller). */
  windowSize: number;
  /** The cyclic shift of SW-MSA; 0 for W-MSA. Must be below `windowSize`. */
  shift: number;
  /** @defaultValue 4 */
  mlpRatio?: number;
  /** @defaultValue true */
  qkvBias?: boolean;
  /** @defaultValue 1e-6 */
  layerNormEps?: number;
  /** Stochastic depth of both residual branches. @defaultValue 0 */
  dropPath?: number;
  rng: Rng;
}

/** A Swin Transformer block: (shifted) window attention and an MLP, pre-norm, with residuals. */
export interface SwinBlock {
  parameters(): Parameter[];
  /**
   * `[batch, height * width, dim]` tokens of a `height` x `width` grid (row-major) ->
   * the same shape. The caller owns the result.
   */
  apply(x: tf.Tensor3D, height: number, width: number, options?: BlockCallOptions): tf.Tensor3D;
}

/**
 * Creates the official `SwinTransformerBlock` with PyTorch names (`norm1`, `attn.*`, `norm2`,
 * `mlp.fc1`, `mlp.fc2`): the normalised tokens are padded (zeros, bottom and right) to a multiple
 * of the window, rolled up-left by `shift` (SW-MSA, with the shifted-window mask), cut into
 * windows, attended, put back, rolled back and cropped; then the residual and the MLP.
 */
export function createSwinBlock(options: SwinBlockOptions): SwinBlock {
  const { prefix, dim, headCount, windowSize, shift, mlpRatio = 4, qkvBias = true, layerNormEps = 1e-6, dropPath: dropRate = 0, rng } = checkOptions(
    'createSwinBlock(options)',
    options,
  );
  if (!(shift >= 0 && shift < windowSize)) {
    throw new SslError('INVALID_ARGUMENT', `createSwinBlock(options.shift) of ${prefix}: expected 0 <= shift < windowSize (${windowSize}), got ${shift}.`);
  }
  const norm1 = createLayerNorm({ prefix: `${prefix}.norm1`, dim, eps: layerNormEps });
  const attn = createWindowAttention({ prefix: `${prefix}.attn`, dim, headCount, windowSize, qkvBias, rng });
  const norm2 = createLayerNorm({ prefix: `${prefix}.norm2`, dim, eps: layerNormEps });
  const mlp = createMlp({ prefix: `${prefix}.mlp`, dim, hiddenDim: Math.trunc(dim * mlpRatio), rng });
  const residual = (x: tf.Tensor3D, branch: tf.Tensor3D, call: BlockCallOptions): tf.Tensor3D => {
    if (!call.training || dropRate === 0) return tf.add(x, branch);
    if (!call.rng) {
      throw new SslError('INVALID_ARGUMENT', `${prefix}: drop path is on (rate ${dropRate}) in training mode, but no rng was given. Pass { training: true, rng } to encode.`);
    }
    return tf.add(x, dropPath(branch, dropRate, call.rng));
  };

  function attend(x: tf.Tensor3D, height: number, width: number): tf.Tensor3D {
    const [batch, , channels] = x.shape;
    const paddedHeight = Math.ceil(height / windowSize) * windowSize;
    const paddedWidth = Math.ceil(width / windowSize) * windowSize;
    // [B, h*w, C] -> [B, h, w, C] -> zero-padded [B, Hp, Wp, C]
    let grid = tf.reshape(norm1.apply(x), [batch, height, width, channels]) as tf.Tensor4D;
    if (paddedHeight !== height || paddedWidth !== width) {
      grid = tf.pad(grid, [
        [0, 0],
        [0, paddedHeight - height],
        [0, paddedWidth - width],
        [0, 0],
      ]);
    }
    if (shift > 0) grid = rollSpatial(grid, -shift);
    const windowCount = (paddedHeight / windowSize) * (paddedWidth / windowSize);
    const mask =
      shift > 0
        ? tf.tensor3d(shiftedWindowMask(paddedHeight, paddedWidth, windowSize, shift), [windowCount, windowSize * windowSize, windowSize * windowSize])
        : undefined;
    // [B, Hp, Wp, C] -> [B*windows, N, C] -> attention -> back to [B, Hp, Wp, C]
    let out = windowReverse(attn.apply(windowPartition(grid, windowSize), mask), windowSize, paddedHeight, paddedWidth);
    if (shift > 0) out = rollSpatial(out, shift);
    if (paddedHeight !== height || paddedWidth !== width) out = tf.slice(out, [0, 0, 0, 0], [batch, height, width, channels]);
    return tf.reshape(out, [batch, height * width, channels]);
  }

  return {
    parameters: () => [...norm1.parameters(), ...attn.parameters(), ...norm2.parameters(), ...mlp.parameters()],
    apply: (x, height, width, call = {}) =>
      tf.tidy('swinBlock', () => {
        const h = residual(x, attend(x, height, width), call);
        return residual(h, mlp.apply(norm2.apply(h)) as tf.Tensor3D, call);
      }),
  };
}
