import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { isSslError, type Backbone } from '@selfsup/core';
import { createSwin, createVit } from '@selfsup/backbones';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { lastLayerAttention } from './last-layer-attention.js';

const vit = () => createVit({ imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 16, depth: 2, headCount: 2, seed: 3 });
const images = () => tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 7) as tf.Tensor4D;

describe('lastLayerAttention', () => {
  it('returns [batch, heads, gridH, gridW] of the [CLS] row over the patches, summing to 1 minus the [CLS] self-attention', async () => {
    const backbone = vit();
    const x = images();
    const maps = lastLayerAttention(backbone, x);
    expect(maps.shape).toEqual([2, 2, 4, 4]);
    const full = backbone.lastSelfAttention(x); // [2, 2, 17, 17]
    expect(full.shape).toEqual([2, 2, 17, 17]);
    const rowSums = tf.sum(full, -1);
    expectClose(await rowSums.data(), new Float32Array(4 * 17).fill(1), { atol: 1e-5 });
    const selfAttention0 = tf.reshape(tf.slice(full, [0, 0, 0, 0], [2, 2, 1, 1]), [4]);
    const patchMass = tf.reshape(tf.sum(maps, [2, 3]), [4]);
    expectClose(await tf.add(patchMass, selfAttention0).data(), [1, 1, 1, 1], { atol: 1e-5 });
    expect(Math.min(...(await maps.data()))).toBeGreaterThanOrEqual(0);
    tf.dispose([maps, full, rowSums, selfAttention0, patchMass, x]);
    backbone.dispose();
  });

  it('keepMass turns each map into a 0/1 mask of the most attended patches holding that share', async () => {
    const backbone = vit();
    const x = images();
    const probabilities = lastLayerAttention(backbone, x);
    const mask = lastLayerAttention(backbone, x, { keepMass: 0.6 });
    const p = await probabilities.data();
    const m = await mask.data();
    for (let row = 0; row < 4; row++) {
      const values = Array.from(p.subarray(row * 16, row * 16 + 16));
      const kept = Array.from(m.subarray(row * 16, row * 16 + 16));
      expect(kept.every((k) => k === 0 || k === 1)).toBe(true);
      const total = values.reduce((a, b) => a + b, 0);
      const keptMass = values.reduce((a, v, i) => a + v * kept[i]!, 0);
      // the kept set reaches 60 % of the mass, and is the smallest such set of the largest values
      expect(keptMass / total).toBeGreaterThanOrEqual(0.6 - 1e-5);
      const smallestKept = Math.min(...values.filter((_, i) => kept[i] === 1));
      expect(values.filter((_, i) => kept[i] === 0).every((v) => v <= smallestKept)).toBe(true);
      expect((keptMass - smallestKept) / total).toBeLessThan(0.6 + 1e-5);
    }
    tf.dispose([x, probabilities, mask]);
    backbone.dispose();
  });

  it('leaks no tensor', async () => {
    const backbone = vit();
    const x = images();
    await expectNoLeaks(() => lastLayerAttention(backbone, x), 'lastLayerAttention');
    await expectNoLeaks(() => lastLayerAttention(backbone, x, { keepMass: 0.5 }), 'lastLayerAttention keepMass');
    x.dispose();
    backbone.dispose();
  });

  it('refuses a Swin Transformer with a message pointing at patchFeaturePca', () => {
    const swin = createSwin({ imageSize: 32, patchSize: 4, inChannels: 1, embedDim: 8, depths: [1, 1], headCounts: [1, 2], windowSize: 4 });
    const x = tf.zeros([1, 32, 32, 1]) as tf.Tensor4D;
    try {
      expect(() => lastLayerAttention(swin, x)).toThrowError(/no \[CLS\] token.*patchFeaturePca/);
      const error = (() => {
        try {
          lastLayerAttention(swin, x);
        } catch (e) {
          return e;
        }
      })();
      expect(isSslError(error) && error.code).toBe('NOT_SUPPORTED');
    } finally {
      x.dispose();
      swin.dispose();
    }
  });

  it('refuses a bad keepMass and a backbone without lastSelfAttention', () => {
    const backbone = vit();
    const x = images();
    expect(() => lastLayerAttention(backbone, x, { keepMass: 1.5 })).toThrowError(/keepMass/);
    const { lastSelfAttention: _, ...withoutAttention } = backbone;
    expect(() => lastLayerAttention({ ...withoutAttention, arch: 'convnet' } as Backbone, x)).toThrowError(/arch "convnet".*lastSelfAttention/);
    x.dispose();
    backbone.dispose();
  });
});
