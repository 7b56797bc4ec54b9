import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, isSslError } from '@selfsup/core';
import { createSwin, createVit } from '@selfsup/backbones';
import { createMaeDecoder } from '@selfsup/heads';
import { patchify } from '@selfsup/losses';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { maeViewsFor, reconstructMae } from './mae-reconstruction.js';

function tinyMae() {
  const backbone = createVit({ imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 8, depth: 1, headCount: 2, maskToken: false, seed: 1 });
  const decoder = createMaeDecoder({ embedDim: 8, decoderEmbedDim: 8, depth: 1, headCount: 2, imageSize: 16, patchSize: 4, inChannels: 1, seed: 2 });
  return { backbone, decoder, dispose: () => (backbone.dispose(), decoder.dispose()) };
}

describe('reconstructMae', () => {
  it('pastes the visible patches back, and the decoder output into the removed ones', async () => {
    const mae = tinyMae();
    const images = tf.randomUniform([2, 16, 16, 1], -1, 1, 'float32', 3) as tf.Tensor4D;
    const views = maeViewsFor(images, { maskRatio: 0.75, rng: createRng(0) }, mae.backbone);
    const { reconstruction, masked, pasted } = reconstructMae(mae, views, { normalizePixels: false });
    expect(reconstruction.shape).toEqual([2, 16, 16, 1]);
    const removed = await views.mask.data(); // [2, 16]
    expect(Array.from(removed).filter((m) => m === 1).length).toBe(2 * 12);
    const input = await patchify(images, 4).data();
    const rec = await patchify(reconstruction, 4).data();
    const cut = await patchify(masked, 4).data();
    const out = await patchify(pasted, 4).data();
    for (let patch = 0; patch < 32; patch++) {
      const slice = (a: ArrayLike<number>) => Array.from({ length: 16 }, (_, i) => a[patch * 16 + i]!);
      if (removed[patch] === 1) {
        expectClose(slice(out), slice(rec), { atol: 1e-6 });
        expect(slice(cut).every((v) => v === 0)).toBe(true);
      } else {
        expectClose(slice(out), slice(input), { atol: 1e-6 });
        expectClose(slice(cut), slice(input), { atol: 1e-6 });
      }
    }
    // the reconstruction is the decoder's prediction from the kept patches
    const prediction = tf.tidy(() => {
      const { classToken, patchTokens } = mae.backbone.encode(images, { keepIndices: views.keepIndices });
      return mae.decoder.decode(tf.concat([tf.expandDims(classToken, 1), patchTokens], 1) as tf.Tensor3D, views.restoreIndices);
    });
    expectClose(rec, await prediction.data(), { atol: 1e-5 });
    tf.dispose([...Object.values(views), reconstruction, masked, pasted, prediction]);
    mae.dispose();
  });

  it('with normalizePixels maps each predicted patch back with the mean and unbiased std of the same input patch', async () => {
    const mae = tinyMae();
    const images = tf.randomUniform([1, 16, 16, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const views = maeViewsFor(images, { rng: createRng(1) }, mae.backbone);
    const raw = reconstructMae(mae, views, { normalizePixels: false });
    const scaled = reconstructMae(mae, views);
    const target = await patchify(images, 4).data();
    const r = await patchify(raw.reconstruction, 4).data();
    const s = await patchify(scaled.reconstruction, 4).data();
    for (let patch = 0; patch < 16; patch++) {
      const values = Array.from({ length: 16 }, (_, i) => target[patch * 16 + i]!);
      const mean = values.reduce((a, b) => a + b, 0) / 16;
      const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / 15 + 1e-6);
      for (let i = 0; i < 16; i++) expect(s[patch * 16 + i]!).toBeCloseTo(r[patch * 16 + i]! * std + mean, 4);
    }
    tf.dispose([...Object.values(views), raw, scaled]);
    mae.dispose();
  });

  it('leaks no tensor', async () => {
    const mae = tinyMae();
    const images = tf.zeros([1, 16, 16, 1]) as tf.Tensor4D;
    const views = maeViewsFor(images, { rng: createRng(2) }, mae.backbone);
    await expectNoLeaks(() => reconstructMae(mae, views), 'reconstructMae');
    tf.dispose(Object.values(views));
    mae.dispose();
  });

  it('refuses an encoder that cannot drop patches, and a mismatched decoder', () => {
    const mae = tinyMae();
    const swin = createSwin({ imageSize: 32, patchSize: 4, inChannels: 1, embedDim: 8, depths: [1, 1], headCounts: [1, 2], windowSize: 4 });
    const images = tf.zeros([1, 16, 16, 1]) as tf.Tensor4D;
    const views = maeViewsFor(images, { rng: createRng(2) }, mae.backbone);
    let error: unknown;
    try {
      reconstructMae({ backbone: swin, decoder: mae.decoder }, views);
    } catch (e) {
      error = e;
    }
    expect(isSslError(error) && error.code).toBe('NOT_SUPPORTED');
    const wrong = createMaeDecoder({ embedDim: 8, decoderEmbedDim: 8, depth: 1, headCount: 2, imageSize: 16, patchSize: 4, inChannels: 3 });
    expect(() => reconstructMae({ backbone: mae.backbone, decoder: wrong }, views)).toThrowError(/1 channel\(s\)/);
    tf.dispose(Object.values(views));
    wrong.dispose();
    swin.dispose();
    mae.dispose();
  });
});
