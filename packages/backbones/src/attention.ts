import * as tf from '@tensorflow/tfjs-core';
import { checkOptions, type Parameter, type Rng } from '@selfsup/core';
import { createLinear } from './linear.js';
import { selfAttention } from './self-attention.js';

/** Options of {@link createAttention}. */
export interface AttentionOptions {
  /** PyTorch name prefix (`blocks.0.attn`): parameters `qkv.*` and `proj.*` below it. */
  prefix: string;
  dim: number;
  headCount: number;
  /** @defaultValue true */
  qkvBias?: boolean;
  rng: Rng;
}

/** Multi-head self-attention as timm's ViT `Attention`. */
export interface Attention {
  parameters(): Parameter[];
  /** `[batch, tokens, dim] -> [batch, tokens, dim]`. The caller owns the result. */
  apply(x: tf.Tensor3D): tf.Tensor3D;
}

/**
 * Creates multi-head self-attention: `softmax(q k^T / sqrt(headDim)) v` per head, heads concatenated
 * and projected. The fused `qkv` projection is laid out `[q heads | k heads | v heads]` as in timm.
 */
export function createAttention(options: AttentionOptions): Attention {
  const { prefix, dim, headCount, qkvBias = true, rng } = checkOptions('createAttention(options)', options);
  const qkv = createLinear({ prefix: `${prefix}.qkv`, inDim: dim, outDim: 3 * dim, bias: qkvBias, rng });
  const proj = createLinear({ prefix: `${prefix}.proj`, inDim: dim, outDim: dim, rng });
  return {
    parameters: () => [...qkv.parameters(), ...proj.parameters()],
    apply: (x) =>
      tf.tidy('attention', () => {
        // [B, N, D] -> heads concatenated [B, N, D] (one custom-gradient op, see selfAttention)
        const heads = selfAttention(x, qkv.weight as tf.Tensor2D, qkv.bias as tf.Tensor1D | undefined, headCount);
        return proj.apply(heads) as tf.Tensor3D;
      }),
  };
}
