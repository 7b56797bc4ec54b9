import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/core';
import { createVit } from '@selfsup/backbones';
import { createImageDataset } from '@selfsup/data';
import { extractFeatures, knnClassifier } from '@selfsup/eval';
import { expectNoLeaks } from '@selfsup/testing';
import { datasetFeatures } from './dataset-features.js';
import { createRunKnnMonitor } from './run-knn-monitor.js';

/** `copies` identical images per class, one random 12 x 12 image per class. */
function dataset(classes: number, copies: number, seed = 7) {
  const rng = createRng(seed);
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

/** The images of a data set as the backbone saw them in training, by hand: bytes / 255, bilinear (half-pixel centres) to 8 x 8, (x - 0.5) / 0.25. */
function preprocessedByHand(data: ReturnType<typeof dataset>): tf.Tensor4D {
  return tf.tidy(() => {
    const x = tf.div(tf.tensor4d(data.images, [data.count, 12, 12, 1], 'float32'), 255) as tf.Tensor4D;
    return tf.div(tf.sub(tf.image.resizeBilinear(x, [8, 8], false, true), 0.5), 0.25) as tf.Tensor4D;
  });
}

describe('datasetFeatures', () => {
  it('resizes to the crop size and normalises as in training before encoding', async () => {
    const vit = createVit({ imageSize: 8, patchSize: 4, inChannels: 1, embedDim: 8, depth: 1, headCount: 2 });
    const data = dataset(2, 1);
    const features = await datasetFeatures(vit, data, { input });
    const images = preprocessedByHand(data);
    const expected = await extractFeatures(vit, images);
    expect(features.shape).toEqual([2, 8]);
    expect(Array.from(features.data)).toEqual(Array.from(expected.data));
    images.dispose();
    vit.dispose();
  });
});

describe('createRunKnnMonitor', () => {
  it('classifies copies of the memory images perfectly, and leaks no tensor', async () => {
    const vit = createVit({ imageSize: 8, patchSize: 4, inChannels: 1, embedDim: 8, depth: 1, headCount: 2 });
    const data = dataset(4, 5);
    // every test image has its 5 copies at similarity 1 among its k = 5 nearest: all votes for its class
    const knn = createRunKnnMonitor(data, data, { input, k: 5 });
    expect((await knn.evaluate(vit, 0)).top1).toBe(100);
    await expectNoLeaks(() => knn.evaluate(vit, 0), 'createRunKnnMonitor(...).evaluate');
    vit.dispose();
  });

  it('gives the k-NN accuracy of features preprocessed as in training, with k at most the training images', async () => {
    const vit = createVit({ imageSize: 8, patchSize: 4, inChannels: 1, embedDim: 8, depth: 1, headCount: 2, seed: 3 });
    const train = dataset(3, 2, 11);
    const heldOut = dataset(3, 2, 12);
    // 6 training images: k = 20 votes with all 6
    const knn = createRunKnnMonitor(train, heldOut, { input, temperature: 0.1 });
    const trainImages = preprocessedByHand(train);
    const testImages = preprocessedByHand(heldOut);
    const expected = await knnClassifier({
      trainFeatures: await extractFeatures(vit, trainImages),
      trainLabels: train.labels,
      testFeatures: await extractFeatures(vit, testImages),
      testLabels: heldOut.labels,
      k: 6,
      temperature: 0.1,
    });
    const result = await knn.evaluate(vit, 4);
    expect(result.epoch).toBe(4);
    expect(result.top1).toBeCloseTo(expected.top1, 10);
    expect(result.top5).toBeCloseTo(expected.top5, 10);
    tf.dispose([trainImages, testImages]);
    vit.dispose();
  });

  it('follows the run schedule: before training, every N epochs and the last', () => {
    const data = dataset(2, 2);
    const knn = createRunKnnMonitor(data, data, { input, everyEpochs: 2, epochs: 5, beforeTraining: true });
    expect([-1, 0, 1, 2, 3, 4].map((epoch) => knn.isDue(epoch))).toEqual([true, false, true, false, true, true]);
    const endOnly = createRunKnnMonitor(data, data, { input, everyEpochs: 0, epochs: 3 });
    expect([-1, 0, 1, 2].map((epoch) => endOnly.isDue(epoch))).toEqual([false, false, false, true]);
  });
});
