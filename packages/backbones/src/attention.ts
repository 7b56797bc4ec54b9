import * as tf from '@tensorflow/tfjs-core';
import type { Parameter, Rng } from '@selfsup/core';
import { createLinear } from './linear.js';

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
  const { prefix, dim, headCount, qkvBias = true, rng } = options;
  const headDim = dim / headCount;
  const scale = headDim ** -0.5;
  const qkv = createLinear({ prefix: `${prefix}.qkv`, inDim: dim, outDim: 3 * dim, bias: qkvBias, rng });
  const proj = createLinear({ prefix: `${prefix}.proj`, inDim: dim, outDim: dim, rng });
  return {
    parameters: () => [...qkv.parameters(), ...proj.parameters()],
    apply: (x) =>
      tf.tidy('attention', () => {
        const [batch, tokens] = x.shape;
        // [B, N, D] -> [B, N, 3H, Dh] -> [B, 3H, N, Dh]
        const heads = tf.transpose(tf.reshape(qkv.apply(x), [batch, tokens, 3 * headCount, headDim]), [0, 2, 1, 3]);
        const [q, k, v] = tf.split(heads, 3, 1).map((t) => tf.reshape(t, [batch * headCount, tokens, headDim])) as [
          tf.Tensor3D,
          tf.Tensor3D,
          tf.Tensor3D,
        ];
        // [B*H, N, Dh] x [B*H, Dh, N] -> [B*H, N, N]
        const scores = tf.matMul(tf.mul(q, scale), k, false, true);
        const weights = tf.softmax(scores, -1);
        // [B*H, N, N] x [B*H, N, Dh] -> [B*H, N, Dh] -> [B, H, N, Dh] -> [B, N, H, Dh] -> [B, N, D]
        const out = tf.reshape(tf.transpose(tf.reshape(tf.matMul(weights, v), [batch, headCount, tokens, headDim]), [0, 2, 1, 3]), [
          batch,
          tokens,
          dim,
        ]);
        return proj.apply(out) as tf.Tensor3D;
      }),
  };
}
