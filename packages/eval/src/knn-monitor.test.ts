import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, isSslError } from '@selfsup/core';
import { createVit } from '@selfsup/backbones';
import { createKnnMonitor, type KnnMonitorResult } from './knn-monitor.js';
import { extractFeatures } from './extract-features.js';
import { knnClassifier } from './knn-classifier.js';

const tiny = { imageSize: 8, patchSize: 4, embedDim: 8, depth: 1, headCount: 2, inChannels: 1 } as const;

/** Bytes of `count` 8x8 grayscale images: class c is bright in quadrant c, plus noise. */
function images(count: number, seed: number): { bytes: { images: Uint8Array; height: number; width: number; channels: number }; labels: number[] } {
  const rng = createRng(seed);
  const data = new Uint8Array(count * 64);
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const label = i % 4;
    labels.push(label);
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        const quadrant = (y < 4 ? 0 : 2) + (x < 4 ? 0 : 1);
        data[i * 64 + y * 8 + x] = (quadrant === label ? 200 : 30) + rng.integer(0, 40);
      }
    }
  }
  return { bytes: { images: data, height: 8, width: 8, channels: 1 }, labels };
}

describe('createKnnMonitor', () => {
  it('evaluates after every everyEpochs epochs and on the last one, like knnClassifier on extracted features', async () => {
    const vit = createVit(tiny);
    const train = images(16, 1);
    const test = images(8, 2);
    const logged: KnnMonitorResult[] = [];
    const monitor = createKnnMonitor({
      trainImages: train.bytes,
      trainLabels: train.labels,
      testImages: test.bytes,
      testLabels: test.labels,
      everyEpochs: 2,
      epochs: 5,
      k: 3,
      temperature: 0.1,
      batchSize: 5,
      onResult: (r) => logged.push(r),
    });
    const before = tf.memory().numTensors;
    const results = [];
    for (let epoch = 0; epoch < 5; epoch++) results.push(await monitor(vit, epoch));
    expect(tf.memory().numTensors).toBe(before);
    // 0-based epochs 1 and 3 (after 2 and 4 epochs), and the last one, 4
    expect(results.map((r) => r?.epoch)).toEqual([undefined, 1, undefined, 3, 4]);
    expect(logged.map((r) => r.epoch)).toEqual([1, 3, 4]);

    const trainFeatures = await extractFeatures(vit, train.bytes);
    const testFeatures = await extractFeatures(vit, test.bytes);
    const direct = await knnClassifier({ trainFeatures, trainLabels: train.labels, testFeatures, testLabels: test.labels, k: 3, temperature: 0.1 });
    expect(results[1]).toEqual({ epoch: 1, top1: direct.top1, top5: direct.top5 });
    vit.dispose();
  });

  it('reads tensors and batch functions again at every evaluation', async () => {
    const vit = createVit(tiny);
    const train = images(8, 3);
    const test = images(4, 4);
    const trainTensor = tf.tidy(() => tf.div(tf.tensor4d(train.bytes.images, [8, 8, 8, 1], 'float32'), 255) as tf.Tensor4D);
    const monitor = createKnnMonitor({
      trainImages: trainTensor,
      trainLabels: train.labels,
      testImages: () => [test.bytes],
      testLabels: test.labels,
      k: 2,
    });
    const first = await monitor(vit, 0);
    const second = await monitor(vit, 1);
    expect(first).toBeDefined();
    expect(second).toEqual({ ...first, epoch: 1 });
    trainTensor.dispose();
    vit.dispose();
  });

  it('evaluates before training when asked, and with everyEpochs 0 only after the last epoch', async () => {
    const vit = createVit(tiny);
    const train = images(8, 6);
    const test = images(4, 7);
    const monitor = createKnnMonitor({
      trainImages: train.bytes,
      trainLabels: train.labels,
      testImages: test.bytes,
      testLabels: test.labels,
      everyEpochs: 0,
      epochs: 4,
      beforeTraining: true,
      k: 2,
    });
    expect([-1, 0, 1, 2, 3].map((epoch) => monitor.isDue(epoch))).toEqual([true, false, false, false, true]);
    const results = [];
    for (let epoch = -1; epoch < 4; epoch++) results.push(await monitor(vit, epoch));
    expect(results.map((r) => r?.epoch)).toEqual([-1, undefined, undefined, undefined, 3]);
    // without beforeTraining, epoch -1 is no evaluation
    const plain = createKnnMonitor({ trainImages: train.bytes, trainLabels: train.labels, testImages: test.bytes, testLabels: test.labels, k: 2 });
    expect(plain.isDue(-1)).toBe(false);
    expect(await plain(vit, -1)).toBeUndefined();
    vit.dispose();
  });

  it('judges several backbones (teacher and student) with one monitor, and evaluates off schedule with evaluate()', async () => {
    const teacher = createVit({ ...tiny, seed: 1 });
    const student = createVit({ ...tiny, seed: 2 });
    const train = images(16, 8);
    const test = images(8, 9);
    const logged: KnnMonitorResult[] = [];
    const monitor = createKnnMonitor({
      trainImages: train.bytes,
      trainLabels: train.labels,
      testImages: test.bytes,
      testLabels: test.labels,
      everyEpochs: 2,
      k: 3,
      onResult: (r) => logged.push(r),
    });
    const direct = async (backbone: typeof teacher) =>
      knnClassifier({
        trainFeatures: await extractFeatures(backbone, train.bytes),
        trainLabels: train.labels,
        testFeatures: await extractFeatures(backbone, test.bytes),
        testLabels: test.labels,
        k: 3,
      });
    const [teacherDirect, studentDirect] = [await direct(teacher), await direct(student)];
    expect(await monitor(teacher, 1)).toEqual({ epoch: 1, top1: teacherDirect.top1, top5: teacherDirect.top5 });
    expect(await monitor(student, 1)).toEqual({ epoch: 1, top1: studentDirect.top1, top5: studentDirect.top5 });
    // epoch 2 is not due, but evaluate() judges now
    expect(monitor.isDue(2)).toBe(false);
    const before = tf.memory().numTensors;
    expect(await monitor.evaluate(student, 2)).toEqual({ epoch: 2, top1: studentDirect.top1, top5: studentDirect.top5 });
    expect(tf.memory().numTensors).toBe(before);
    expect(logged.map((r) => r.epoch)).toEqual([1, 1, 2]);
    teacher.dispose();
    student.dispose();
  });

  it('rejects bad options with SslErrors', () => {
    const train = images(4, 5);
    const base = { trainImages: train.bytes, trainLabels: train.labels, testImages: train.bytes, testLabels: train.labels };
    const codeOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        if (isSslError(e)) return e.code;
        throw e;
      }
      return undefined;
    };
    expect(codeOf(() => createKnnMonitor({ ...base, everyEpochs: -1 }))).toBe('INVALID_ARGUMENT');
    expect(() => createKnnMonitor({ ...base, everyEpochs: 0 })).toThrow(/options\.epochs\): expected the number of epochs when everyEpochs is 0/);
    expect(() => createKnnMonitor(base).isDue(-2)).toThrow(/isDue\(epoch\): expected an integer >= -1, got -2/);
    expect(codeOf(() => createKnnMonitor({ ...base, testLabels: [0, 1] }))).toBe('SHAPE_MISMATCH');
    expect(() => createKnnMonitor({ ...base, testLabels: [0, 1] })).toThrow(/testLabels\): expected 4 labels/);
    expect(() => createKnnMonitor({ ...base, trainImages: [train.bytes] as never })).toThrow(/wrap it in a function/);
  });
});
