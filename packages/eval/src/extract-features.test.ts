import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, isSslError } from '@selfsup/core';
import { createVit } from '@selfsup/backbones';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { extractFeatures, type ExtractFeaturesProgress } from './extract-features.js';

const tiny = { imageSize: 8, patchSize: 4, embedDim: 8, depth: 1, headCount: 2, inChannels: 1 } as const;

function randomBytes(count: number, seed = 1): Uint8Array {
  const rng = createRng(seed);
  return Uint8Array.from({ length: count * 8 * 8 }, () => rng.integer(0, 256));
}

function rowLengths(data: Float32Array, dim: number): number[] {
  const lengths: number[] = [];
  for (let i = 0; i < data.length; i += dim) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += data[i + j]! ** 2;
    lengths.push(Math.sqrt(s));
  }
  return lengths;
}

describe('extractFeatures', () => {
  it('gives [count, dim] unit rows for each token choice, in image order', async () => {
    const vit = createVit(tiny);
    const bytes = { images: randomBytes(5), height: 8, width: 8, channels: 1 };
    const cls = await extractFeatures(vit, bytes, { batchSize: 2 });
    expect(cls.shape).toEqual([5, 8]);
    rowLengths(cls.data, 8).forEach((l) => expect(l).toBeCloseTo(1, 5));
    const mean = await extractFeatures(vit, bytes, { batchSize: 3, token: 'meanPatch' });
    expect(mean.shape).toEqual([5, 8]);
    const both = await extractFeatures(vit, bytes, { token: 'classAndMeanPatch' });
    expect(both.shape).toEqual([5, 16]);
    rowLengths(both.data, 16).forEach((l) => expect(l).toBeCloseTo(1, 5));

    // the same features computed directly: classToken and mean over patch tokens, then x / ||x||
    const expected = tf.tidy(() => {
      const images = tf.div(tf.tensor4d(bytes.images, [5, 8, 8, 1], 'float32'), 255) as tf.Tensor4D;
      const { classToken, patchTokens } = vit.encode(images);
      const joined = tf.concat([classToken, tf.mean(patchTokens, 1)], 1);
      return tf.div(joined, tf.norm(joined, 2, 1, true));
    });
    expectClose(both, expected, { rtol: 1e-5, atol: 1e-6 }, 'classAndMeanPatch');
    expected.dispose();
    vit.dispose();
  });

  it('keeps raw features with normalize: false, and batching does not change them', async () => {
    const vit = createVit(tiny);
    const images = tf.tidy(() => tf.div(tf.tensor4d(randomBytes(4, 2), [4, 8, 8, 1], 'float32'), 255) as tf.Tensor4D);
    const raw = await extractFeatures(vit, images, { normalize: false, batchSize: 3 });
    const direct = tf.tidy(() => vit.encode(images).classToken);
    expectClose(raw, direct, { rtol: 1e-5, atol: 1e-6 }, 'raw class tokens');
    const oneBatch = await extractFeatures(vit, images, { normalize: false, batchSize: 4 });
    expectClose(raw, oneBatch, { rtol: 1e-5, atol: 1e-6 }, 'batching');
    direct.dispose();
    images.dispose();
    vit.dispose();
  });

  it('reads sync and async iterables of tensors and bytes, applies preprocess and reports progress', async () => {
    const vit = createVit(tiny);
    const bytes = randomBytes(3, 3);
    const whole = { images: bytes, height: 8, width: 8, channels: 1 };
    const preprocess = (x: tf.Tensor4D): tf.Tensor4D => tf.mul(tf.sub(x, 0.5), 2);
    const reference = await extractFeatures(vit, whole, { preprocess });

    async function* asyncBytes() {
      yield { images: bytes.subarray(0, 64), height: 8, width: 8, channels: 1 };
      yield { images: bytes.subarray(64), height: 8, width: 8, channels: 1 };
    }
    const progress: ExtractFeaturesProgress[] = [];
    const fromAsync = await extractFeatures(vit, asyncBytes(), { preprocess, onProgress: (p) => progress.push(p) });
    expectClose(fromAsync, reference, { rtol: 1e-5, atol: 1e-6 }, 'async bytes');
    expect(progress).toEqual([
      { images: 1, total: undefined },
      { images: 3, total: undefined },
    ]);

    function* tensors() {
      for (let i = 0; i < 3; i++) {
        const t = tf.tidy(() => tf.div(tf.tensor4d(bytes.subarray(i * 64, (i + 1) * 64), [1, 8, 8, 1], 'float32'), 255) as tf.Tensor4D);
        yield t;
        t.dispose(); // the caller owns its batches: dispose after the next one is asked for
      }
    }
    const before = tf.memory().numTensors;
    const fromTensors = await extractFeatures(vit, tensors(), { preprocess });
    expect(tf.memory().numTensors).toBe(before);
    expectClose(fromTensors, reference, { rtol: 1e-5, atol: 1e-6 }, 'tensor batches');

    const totals: ExtractFeaturesProgress[] = [];
    await extractFeatures(vit, whole, { batchSize: 2, onProgress: (p) => totals.push(p) });
    expect(totals).toEqual([
      { images: 2, total: 3 },
      { images: 3, total: 3 },
    ]);
    vit.dispose();
  });

  it('leaves no tensor behind', async () => {
    const vit = createVit(tiny);
    const images = tf.zeros([3, 8, 8, 1]) as tf.Tensor4D;
    for (const token of ['class', 'meanPatch', 'classAndMeanPatch'] as const) {
      await expectNoLeaks(() => extractFeatures(vit, images, { token, batchSize: 2 }), `extractFeatures ${token}`);
    }
    await expectNoLeaks(
      () => extractFeatures(vit, { images: randomBytes(3), height: 8, width: 8, channels: 1 }, { batchSize: 2 }),
      'extractFeatures bytes',
    );
    // an error half-way (the second batch has the wrong channel count) leaks nothing either
    const before = tf.memory().numTensors;
    const bad = [tf.zeros([1, 8, 8, 1]) as tf.Tensor4D, tf.zeros([1, 8, 8, 3]) as tf.Tensor4D];
    await expect(extractFeatures(vit, bad)).rejects.toThrow();
    tf.dispose(bad);
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
    vit.dispose();
  });

  it('rejects bad sources and options with SslErrors', async () => {
    const vit = createVit(tiny);
    const reject = async (promise: Promise<unknown>, text: RegExp) => {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isSslError(error, 'INVALID_ARGUMENT')).toBe(true);
      expect((error as Error).message).toMatch(text);
    };
    const bytes = { images: randomBytes(2), height: 8, width: 8, channels: 1 };
    await reject(extractFeatures(vit, bytes, { batchSize: 0 }), /options\.batchSize/);
    await reject(extractFeatures(vit, bytes, { token: 'cls' as never }), /options\.token/);
    await reject(extractFeatures(vit, { ...bytes, images: new Uint8Array(65) }), /multiple of 8 x 8 x 1 = 64 bytes, got "65 bytes"/);
    await reject(extractFeatures(vit, 42 as never), /extractFeatures\(source\)/);
    await reject(extractFeatures({} as never, bytes), /extractFeatures\(backbone\)/);
    const flat = tf.zeros([2, 8, 8]);
    await reject(extractFeatures(vit, flat as never), /rank-4 NHWC/);
    await reject(extractFeatures(vit, [flat] as never), /batch 0.*rank-4/);
    flat.dispose();
    vit.dispose();
  });
});
