import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError, exportStateDict, loadStateDict } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { createMaeDecoder } from './mae-decoder.js';
import { sinCosPositionEmbedding } from './sin-cos-position-embedding.js';

// 8x8 images, 4x4 patches: 4 patches of 4*4*3 = 48 values
const tiny = { embedDim: 6, decoderEmbedDim: 8, depth: 1, headCount: 2, imageSize: 8, patchSize: 4 } as const;

/** The [1, N] restore indices (MAE's ids_restore) of a latent whose kept tokens encode `keptPatches`, in that order. */
function keepAt(keptPatches: number[], patchCount: number) {
  const removed = [...Array(patchCount).keys()].filter((p) => !keptPatches.includes(p));
  const order = [...keptPatches, ...removed]; // ids_shuffle: kept first
  const restore = new Int32Array(patchCount);
  order.forEach((patch, position) => (restore[patch] = position)); // ids_restore = argsort(ids_shuffle)
  return { restore: tf.tensor2d(restore, [1, patchCount], 'int32') as tf.Tensor2D };
}

describe('createMaeDecoder', () => {
  it("has MAE's parameter names, fixed sine-cosine positions and Xavier-uniform weights", async () => {
    const decoder = createMaeDecoder(tiny);
    expect(decoder.patchCount).toBe(4);
    const names = decoder.parameters().map((p) => p.name);
    expect(names).toEqual([
      'mask_token',
      'decoder_pos_embed',
      'decoder_embed.weight',
      'decoder_embed.bias',
      ...[
        'norm1.weight', 'norm1.bias', 'attn.qkv.weight', 'attn.qkv.bias', 'attn.proj.weight', 'attn.proj.bias',
        'norm2.weight', 'norm2.bias', 'mlp.fc1.weight', 'mlp.fc1.bias', 'mlp.fc2.weight', 'mlp.fc2.bias',
      ].map((n) => `decoder_blocks.0.${n}`),
      'decoder_norm.weight',
      'decoder_norm.bias',
      'decoder_pred.weight',
      'decoder_pred.bias',
    ]);
    const positions = decoder.parameters().find((p) => p.name === 'decoder_pos_embed')!;
    expect(positions.trainable).toBe(false);
    expect(positions.variable.trainable).toBe(false);
    const expected = sinCosPositionEmbedding(8, 2, { classToken: true });
    expectClose(await positions.variable.data(), await expected.data(), { rtol: 0, atol: 0 }); // [1, 1+N, D] holds the [1+N, D] table
    expected.dispose();
    const state = await exportStateDict(decoder);
    expect(state.get('decoder_pos_embed')!.shape).toEqual([1, 5, 8]);
    expect(state.get('decoder_pred.weight')!.shape).toEqual([48, 8]);
    // Xavier uniform: |w| <= sqrt(6 / (fan_in + fan_out)); qkv is [24, 8] in PyTorch
    const qkv = state.get('decoder_blocks.0.attn.qkv.weight')!.data;
    expect(Math.max(...Array.from(qkv, Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 32));
    expect(Math.max(...Array.from(qkv, Math.abs))).toBeGreaterThan(0.02 * 2); // not the 0.02 truncated normal
    expect(loadStateDict(decoder, state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    decoder.dispose();
  });

  it('decodes to [B, N, p*p*C] and does not depend on the order of the kept tokens', () => {
    const decoder = createMaeDecoder(tiny);
    tf.tidy(() => {
      const cls = tf.randomNormal([1, 1, 6], 0, 1, 'float32', 1);
      const tokenA = tf.randomNormal([1, 1, 6], 0, 1, 'float32', 2); // encodes patch 3
      const tokenB = tf.randomNormal([1, 1, 6], 0, 1, 'float32', 3); // encodes patch 1
      const first = keepAt([3, 1], 4);
      const second = keepAt([1, 3], 4);
      const a = decoder.decode(tf.concat([cls, tokenA, tokenB], 1) as tf.Tensor3D, first.restore);
      const b = decoder.decode(tf.concat([cls, tokenB, tokenA], 1) as tf.Tensor3D, second.restore);
      expect(a.shape).toEqual([1, 4, 48]);
      // attention is permutation-equivariant and positions are added after restoring the order
      expectClose(a, b, { rtol: 1e-5, atol: 1e-6 });
    });
    decoder.dispose();
  });

  it('without blocks, predicts a removed patch from the mask token and its position only', async () => {
    const decoder = createMaeDecoder({ ...tiny, depth: 0 });
    const keptDifference = tf.tidy(() => {
      const { restore } = keepAt([0, 2], 4);
      const a = decoder.decode(tf.randomNormal([1, 3, 6], 0, 1, 'float32', 4) as tf.Tensor3D, restore);
      const b = decoder.decode(tf.randomNormal([1, 3, 6], 0, 1, 'float32', 5) as tf.Tensor3D, restore);
      const removedA = tf.gather(a, [1, 3], 1);
      const removedB = tf.gather(b, [1, 3], 1);
      expectClose(removedA, removedB, { rtol: 0, atol: 0 });
      return tf.max(tf.abs(tf.sub(tf.gather(a, [0, 2], 1), tf.gather(b, [0, 2], 1))));
    });
    expect((await keptDifference.data())[0]).toBeGreaterThan(1e-3);
    keptDifference.dispose();
    decoder.dispose();
  });

  it('passes gradients to every trainable parameter', async () => {
    const decoder = createMaeDecoder(tiny);
    const trainable = decoder.parameters().filter((p) => p.trainable);
    expect(trainable.map((p) => p.name)).not.toContain('decoder_pos_embed');
    const { restore } = keepAt([2], 4);
    const latent = tf.randomNormal([1, 2, 6], 0, 1, 'float32', 6) as tf.Tensor3D;
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(decoder.decode(latent, restore))) as tf.Scalar, trainable.map((p) => p.variable));
    for (const p of trainable) expect((await tf.max(tf.abs(grads[p.variable.name]!)).data())[0], p.name).toBeGreaterThan(0);
    tf.dispose([latent, restore, value, ...Object.values(grads)]);
    decoder.dispose();
  });

  it('rejects latents of another width and indices of another patch count', () => {
    expect(() => createMaeDecoder({ ...tiny, headCount: 3 })).toThrow(SslError);
    expect(() => createMaeDecoder({ ...tiny, imageSize: 10 })).toThrow(/multiple of patchSize/);
    const decoder = createMaeDecoder(tiny);
    tf.tidy(() => {
      const restore = tf.zeros([1, 4], 'int32') as tf.Tensor2D;
      expect(() => decoder.decode(tf.zeros([1, 2, 5]) as tf.Tensor3D, restore)).toThrow(/\[batch, 1 \+ kept, 6\]/);
      expect(() => decoder.decode(tf.zeros([1, 2, 6]) as tf.Tensor3D, tf.zeros([1, 9], 'int32') as tf.Tensor2D)).toThrow(/\[1, 4\].*2x2 patches/);
      expect(() => decoder.decode(tf.zeros([1, 2, 6]) as tf.Tensor3D, tf.zeros([1, 4]) as tf.Tensor2D)).toThrow(/int32/);
    });
    decoder.dispose();
  });

  it('leaks no tensor', async () => {
    const decoder = createMaeDecoder(tiny);
    const latent = tf.ones([2, 2, 6]) as tf.Tensor3D;
    const restore = tf.tensor2d([[0, 1, 2, 3], [3, 2, 1, 0]], undefined, 'int32') as tf.Tensor2D;
    await expectNoLeaks(() => decoder.decode(latent, restore));
    tf.dispose([latent, restore]);
    decoder.dispose();
  });

  it('frees every variable on dispose', () => {
    const before = tf.memory().numTensors;
    createMaeDecoder(tiny).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
