import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { isSslError } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { createVit } from './vit.js';
import { selfAttention } from './self-attention.js';
import { layerNorm } from './layer-norm.js';

describe('vit.lastSelfAttention', () => {
  it('returns the probabilities the last block multiplies v with: p v equals the block attention heads', async () => {
    // A depth-1 ViT: the tokens entering its only block are the embeddings, rebuilt here from its
    // parameters; selfAttention on norm1 of them gives the heads the block concatenates.
    const backbone = createVit({ imageSize: 8, patchSize: 4, inChannels: 1, embedDim: 8, depth: 1, headCount: 2, seed: 1 });
    const x = tf.randomUniform([1, 8, 8, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    const named = new Map(backbone.parameters().map((p) => [p.name, p.variable]));
    const p = backbone.lastSelfAttention(x); // [1, 2, 5, 5]
    const tokens = tf.tidy(() => {
      // patches [1, 4, 16] in (y, x, c) order, projected, + positions; [CLS] + its position first
      const patches = tf.reshape(tf.transpose(tf.reshape(x, [2, 4, 2, 4]), [0, 2, 1, 3]), [4, 16]);
      const embedded = tf.add(tf.matMul(patches, named.get('patch_embed.proj.weight')!), named.get('patch_embed.proj.bias')!);
      const table = tf.reshape(named.get('pos_embed')!, [5, 8]);
      const cls = tf.reshape(named.get('cls_token')!, [1, 8]);
      return tf.reshape(tf.add(tf.concat([cls, embedded], 0), table), [1, 5, 8]) as tf.Tensor3D;
    });
    const normed = layerNorm(tokens, named.get('blocks.0.norm1.weight') as tf.Tensor1D, named.get('blocks.0.norm1.bias') as tf.Tensor1D, 1e-6) as tf.Tensor3D;
    const heads = selfAttention(normed, named.get('blocks.0.attn.qkv.weight') as tf.Tensor2D, named.get('blocks.0.attn.qkv.bias') as tf.Tensor1D, 2);
    const v = tf.tidy(() => {
      const qkv = tf.add(tf.matMul(tf.reshape(normed, [5, 8]), named.get('blocks.0.attn.qkv.weight')!), named.get('blocks.0.attn.qkv.bias')!);
      // [5, 24] -> v [5, 8] -> [5, 2, 4] -> [2, 5, 4]
      return tf.transpose(tf.reshape(tf.slice(qkv, [0, 16], [5, 8]), [5, 2, 4]), [1, 0, 2]);
    });
    const pv = tf.tidy(() => tf.reshape(tf.transpose(tf.matMul(tf.reshape(p, [2, 5, 5]), v), [1, 0, 2]), [1, 5, 8]));
    expectClose(await pv.data(), await heads.data(), { atol: 1e-5 });
    tf.dispose([x, p, tokens, normed, heads, v, pv]);
    backbone.dispose();
  });

  it('is [batch, heads, 1 + patches, 1 + patches] of rows summing to 1, and leaks no tensor', async () => {
    const vit = createVit({ imageSize: 16, patchSize: 4, inChannels: 3, embedDim: 12, depth: 2, headCount: 3, seed: 4 });
    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const p = vit.lastSelfAttention(x);
    expect(p.shape).toEqual([2, 3, 17, 17]);
    const sums = tf.sum(p, -1);
    expectClose(await sums.data(), new Float32Array(2 * 3 * 17).fill(1), { atol: 1e-5 });
    // another image size: resampled positions, a 3x5 grid
    const wide = tf.zeros([1, 12, 20, 3]) as tf.Tensor4D;
    const q = vit.lastSelfAttention(wide);
    expect(q.shape).toEqual([1, 3, 16, 16]);
    await expectNoLeaks(() => vit.lastSelfAttention(x), 'vit.lastSelfAttention');
    tf.dispose([x, p, sums, wide, q]);
    vit.dispose();
    expect(() => vit.lastSelfAttention(x)).toThrowError(/disposed/);
  });

  it('refuses a ViT of depth 0', () => {
    const vit = createVit({ imageSize: 8, patchSize: 4, inChannels: 1, embedDim: 8, depth: 0, headCount: 2 });
    const x = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    let error: unknown;
    try {
      vit.lastSelfAttention(x);
    } catch (e) {
      error = e;
    }
    expect(isSslError(error) && error.code).toBe('NOT_SUPPORTED');
    x.dispose();
    vit.dispose();
  });
});
