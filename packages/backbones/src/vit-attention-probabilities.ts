import * as tf from '@tensorflow/tfjs-core';
import { SslError, type Parameter } from '@selfsup/core';
import { layerNorm } from './layer-norm.js';
import { linear } from './linear.js';

/**
 * The attention probabilities of one ViT block on the tokens `x` that enter it:
 * `softmax(q k^T / sqrt(headDim))` per head, with `[q | k | v] = norm1(x) W_qkv + b_qkv` (timm's
 * `Attention` before `attn @ v`; DINO's `get_last_selfattention` of the last block). The block is
 * read from `parameters` by its PyTorch names (`<prefix>.norm1.*`, `<prefix>.attn.qkv.*`), so the
 * values are those the block's own attention multiplies `v` with.
 *
 * @param x - `[batch, tokens, dim]`: the tokens entering the block.
 * @param parameters - the ViT's parameters.
 * @param prefix - the block's name prefix, `blocks.<i>`.
 * @returns `[batch, heads, tokens, tokens]`, each row summing to 1. The caller owns it.
 */
export function vitAttentionProbabilities(
  x: tf.Tensor3D,
  parameters: readonly Parameter[],
  prefix: string,
  headCount: number,
  layerNormEps: number,
): tf.Tensor4D {
  const find = (name: string): tf.Variable | undefined => parameters.find((p) => p.name === `${prefix}.${name}`)?.variable;
  const gamma = find('norm1.weight');
  const beta = find('norm1.bias');
  const qkvWeight = find('attn.qkv.weight');
  const qkvBias = find('attn.qkv.bias');
  if (!gamma || !beta || !qkvWeight) {
    throw new SslError('INVALID_ARGUMENT', `vitAttentionProbabilities: the ViT has no ${prefix}.norm1 or ${prefix}.attn.qkv parameters; pass the prefix of one of its blocks (blocks.<i>).`);
  }
  const [batch, tokens, dim] = x.shape;
  const headDim = dim / headCount;
  return tf.tidy('vit.attentionProbabilities', () => {
    // [B, T, D] -> [B*T, D] -> [B*T, 3D]
    const normed = tf.reshape(layerNorm(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, layerNormEps), [batch * tokens, dim]) as tf.Tensor2D;
    const qkv = linear(normed, qkvWeight as tf.Tensor2D, qkvBias as tf.Tensor1D | undefined);
    // [B*T, 3D] -> [B, T, 3, H, Dh] -> [3, B, H, T, Dh] -> q, k as [B*H, T, Dh]
    const split = tf.transpose(tf.reshape(qkv, [batch, tokens, 3, headCount, headDim]), [2, 0, 3, 1, 4]);
    const heads = (index: number) => tf.reshape(tf.slice(split, [index, 0, 0, 0, 0], [1, batch, headCount, tokens, headDim]), [batch * headCount, tokens, headDim]) as tf.Tensor3D;
    const scores = tf.mul(tf.matMul(heads(0), heads(1), false, true), headDim ** -0.5); // [B*H, T, T]
    // [B*H, T, T] -> [B, H, T, T]
    return tf.reshape(tf.softmax(scores, -1), [batch, headCount, tokens, tokens]) as tf.Tensor4D;
  });
}
