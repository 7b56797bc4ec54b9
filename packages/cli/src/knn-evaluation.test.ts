import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/core';
import { createVit } from '@selfsup/backbones';
import { createImageDataset } from '@selfsup/data';
import { extractFeatures } from '@selfsup/eval';
import { expectNoLeaks } from '@selfsup/testing';
import { datasetFeatures, evaluateKnn } from './knn-evaluation.js';

/** `copies` identical images per class, one random 12 x 12 image per class. */
function dataset(classes: number, copies: number) {
  const rng = createRng(7);
  const prototypes = Array.from({ length: classes }, () => Uint8Array.from({ length: 144 }, () => rng.integer(0, 256)));
  const images = new Uint8Array(classes * copies * 144);
  const labels: number[] = [];
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < copies; i++) {
      images.set(prototypes[c]!, (c * copies + i) * 144);
      labels.push(c);
    }
  }
  return createImageDataset({ images, labels, height: 12, width: 12 });
}

const input = { channels: 1, imageSize: 8, mean: [0.5], std: [0.25] };

describe('datasetFeatures', () => {
  it('resizes to the crop size and normalises as in training before encoding', async () => {
    const vit = createVit({ imageSize: 8, patchSize: 4, inChannels: 1, embedDim: 8, depth: 1, headCount: 2 });
    const data = dataset(2, 1);
    const features = await datasetFeatures(vit, data, { input });
    // the same by hand: bytes / 255, bilinear (half-pixel centres) to 8 x 8, (x - 0.5) / 0.25
    const images = tf.tidy(() => {
      const x = tf.div(tf.tensor4d(data.images, [2, 12, 12, 1], 'float32'), 255) as tf.Tensor4D;
      return tf.div(tf.sub(tf.image.resizeBilinear(x, [8, 8], false, true), 0.5), 0.25) as tf.Tensor4D;
    });
    const expected = await extractFeatures(vit, images);
    expect(features.shape).toEqual([2, 8]);
    expect(Array.from(features.data)).toEqual(Array.from(expected.data));
    images.dispose();
    vit.dispose();
  });
});

describe('evaluateKnn', () => {
  it('classifies copies of the memory images perfectly, and leaks no tensor', async () => {
    const vit = createVit({ imageSize: 8, patchSize: 4, inChannels: 1, embedDim: 8, depth: 1, headCount: 2 });
    const data = dataset(4, 5);
    // every test image has its 5 copies at similarity 1 among its k = 5 nearest: all votes for its class
    const result = await evaluateKnn(vit, data, data, { input, k: 5 });
    expect(result.top1).toBe(100);
    await expectNoLeaks(() => evaluateKnn(vit, data, data, { input, k: 5 }), 'evaluateKnn');
    vit.dispose();
  });
});
