import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkOptions, type Parameter, type Rng } from '@selfsup/core';
import { createAttention } from './attention.js';
import { createLayerNorm } from './layer-norm.js';
import { createMlp } from './mlp.js';
import { makeVariable } from './init.js';

/** Options of {@link createTransformerBlock}. */
export interface TransformerBlockOptions {
  /** PyTorch name prefix (`blocks.3`). */
  prefix: string;
  dim: number;
  headCount: number;
  /** @defaultValue 4 */
  mlpRatio?: number;
  /** @defaultValue true */
  qkvBias?: boolean;
  /** @defaultValue 1e-6 */
  layerNormEps?: number;
  /**
   * Probability of dropping each residual branch per sample in training (stochastic depth).
   * @defaultValue 0
   */
  dropPath?: number;
  /**
   * Initial value of the per-channel layer-scale vectors `gamma_1`, `gamma_2` (CaiT); 0 disables
   * layer scale.
   * @defaultValue 0
   */
  layerScaleInit?: number;
  /** Randomness for the initial weights. */
  rng: Rng;
}

/** Per-call options of a block. */
export interface BlockCallOptions {
  /** @defaultValue false */
  training?: boolean;
  /** Needed in training when drop path is on. */
  rng?: Rng;
}

/** A pre-norm transformer block: `x + attn(norm1(x))`, then `x + mlp(norm2(x))`. */
export interface TransformerBlock {
  parameters(): Parameter[];
  /** `[batch, tokens, dim] -> [batch, tokens, dim]`. The caller owns the result. */
  apply(x: tf.Tensor3D, options?: BlockCallOptions): tf.Tensor3D;
}

/**
 * Scales each sample's residual branch by `keep / (1 - p)` where `keep` is drawn per sample from
 * `rng` (drop path / stochastic depth, as timm's `drop_path`). The caller owns the result.
 */
export function dropPath(branch: tf.Tensor3D, probability: number, rng: Rng): tf.Tensor3D {
  const batch = branch.shape[0];
  const keep = 1 - probability;
  const factors = new Float32Array(batch);
  for (let i = 0; i < batch; i++) factors[i] = rng.next() < keep ? 1 / keep : 0;
  return tf.tidy('dropPath', () => tf.mul(branch, tf.tensor3d(factors, [batch, 1, 1])));
}

/** Creates a ViT block with PyTorch (timm/iBOT) parameter names. */
export function createTransformerBlock(options: TransformerBlockOptions): TransformerBlock {
  const { prefix, dim, headCount, mlpRatio = 4, qkvBias = true, layerNormEps = 1e-6, dropPath: dropRate = 0, layerScaleInit = 0, rng } =
    checkOptions('createTransformerBlock(options)', options);
  const norm1 = createLayerNorm({ prefix: `${prefix}.norm1`, dim, eps: layerNormEps });
  const attn = createAttention({ prefix: `${prefix}.attn`, dim, headCount, qkvBias, rng });
  const norm2 = createLayerNorm({ prefix: `${prefix}.norm2`, dim, eps: layerNormEps });
  const mlp = createMlp({ prefix: `${prefix}.mlp`, dim, hiddenDim: Math.round(dim * mlpRatio), rng });
  const gamma1 = layerScaleInit > 0 ? makeVariable([dim], layerScaleInit) : undefined;
  const gamma2 = layerScaleInit > 0 ? makeVariable([dim], layerScaleInit) : undefined;
  const residual = (x: tf.Tensor3D, branch: tf.Tensor3D, gamma: tf.Variable | undefined, call: BlockCallOptions): tf.Tensor3D => {
    let b = gamma ? (tf.mul(branch, gamma) as tf.Tensor3D) : branch;
    if (call.training && dropRate > 0) {
      if (!call.rng) {
        throw new SslError('INVALID_ARGUMENT', `${prefix}: drop path is on (rate ${dropRate}) in training mode, but no rng was given. Pass { training: true, rng } to encode.`);
      }
      b = dropPath(b, dropRate, call.rng);
    }
    return tf.add(x, b);
  };
  return {
    parameters: () => [
      ...(gamma1 ? [{ name: `${prefix}.gamma_1`, variable: gamma1, trainable: true }] : []),
      ...(gamma2 ? [{ name: `${prefix}.gamma_2`, variable: gamma2, trainable: true }] : []),
      ...norm1.parameters(),
      ...attn.parameters(),
      ...norm2.parameters(),
      ...mlp.parameters(),
    ],
    apply: (x, call = {}) =>
      tf.tidy('transformerBlock', () => {
        const h = residual(x, attn.apply(norm1.apply(x) as tf.Tensor3D), gamma1, call);
        return residual(h, mlp.apply(norm2.apply(h)) as tf.Tensor3D, gamma2, call);
      }),
  };
}
