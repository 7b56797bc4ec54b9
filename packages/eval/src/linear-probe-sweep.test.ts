import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, hostTensor, isSslError, type HostTensor } from '@selfsup/core';
import { linearProbeSweep, type LinearProbeSweepEntry } from './linear-probe-sweep.js';
import { trainLinearProbe } from './linear-probe.js';

/** Linearly separable classes: class c has +3 on axis c, plus normal noise (std 0.5) on every axis. */
function separable(classCount: number, dim: number, perClass: number, seed: number): { features: HostTensor; labels: number[] } {
  const rng = createRng(seed);
  const data: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < perClass; i++) {
    for (let c = 0; c < classCount; c++) {
      for (let d = 0; d < dim; d++) data.push((d === c ? 3 : 0) + rng.normal(0, 0.5));
      labels.push(c);
    }
  }
  return { features: hostTensor([labels.length, dim], data), labels };
}

describe('linearProbeSweep', () => {
  it('picks the learning rate of best validation top-1 and reports its test accuracy', async () => {
    const train = separable(3, 5, 20, 1);
    const validation = separable(3, 5, 10, 2);
    const test = separable(3, 5, 10, 3);
    const seen: LinearProbeSweepEntry[] = [];
    const before = tf.memory().numTensors;
    const result = await linearProbeSweep({
      trainFeatures: train.features,
      trainLabels: train.labels,
      validationFeatures: validation.features,
      validationLabels: validation.labels,
      testFeatures: test.features,
      testLabels: test.labels,
      // 1e-6 barely moves the 0.01-scale initial weights: near-chance validation accuracy
      learningRates: [1e-6, 0.1],
      epochs: 10,
      batchSize: 16,
      rng: createRng(0),
      onResult: (entry) => seen.push(entry),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.entries.map((e) => e.learningRate)).toEqual([1e-6, 0.1]);
    expect(seen).toEqual(result.entries);
    expect(result.entries[0]!.validation.top1).toBeLessThan(80);
    expect(result.learningRate).toBe(0.1);
    expect(result.validation).toEqual(result.entries[1]!.validation);
    expect(result.test!.top1).toBeGreaterThanOrEqual(95);
    expect(result.test).toEqual(result.probe.evaluate(test.features, test.labels));
  });

  it('gives every learning rate the same start: a run equals trainLinearProbe from the forked rng', async () => {
    const train = separable(2, 3, 10, 4);
    const validation = separable(2, 3, 5, 5);
    const result = await linearProbeSweep({
      trainFeatures: train.features,
      trainLabels: train.labels,
      validationFeatures: validation.features,
      validationLabels: validation.labels,
      learningRates: [0.05],
      epochs: 3,
      batchSize: 4,
      rng: createRng(9),
    });
    // with validation given, the sweep draws nothing but one fork of its rng
    const alone = await trainLinearProbe({ ...train, learningRate: 0.05, epochs: 3, batchSize: 4, rng: createRng(9).fork() });
    expect(Array.from(result.probe.weight.data)).toEqual(Array.from(alone.weight.data));
    expect(result.test).toBeUndefined();
  });

  it('holds out a validation share of the training rows when no validation set is given', async () => {
    const train = separable(2, 3, 10, 6);
    const epochsSeen: number[] = [];
    const result = await linearProbeSweep({
      trainFeatures: train.features,
      trainLabels: train.labels,
      validationFraction: 0.25,
      learningRates: [0.1],
      epochs: 2,
      batchSize: 8,
      rng: createRng(1),
      onEpoch: (e) => epochsSeen.push(e.epoch),
    });
    expect(epochsSeen).toEqual([0, 1]);
    // 20 rows, 5 held out: validation accuracies are multiples of 100 / 5 = 20
    expect(result.validation.top1 % 20).toBe(0);
  });

  it('rejects bad options before training', async () => {
    const train = separable(2, 3, 3, 7);
    const base = { trainFeatures: train.features, trainLabels: train.labels, rng: createRng(0), epochs: 1 };
    const reject = async (options: Partial<Parameters<typeof linearProbeSweep>[0]>, code: string, text: RegExp) => {
      const error = await linearProbeSweep({ ...base, ...options }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isSslError(error), String(error)).toBe(true);
      expect((error as { code: string }).code).toBe(code);
      expect((error as Error).message).toMatch(text);
    };
    await reject({ learningRates: [] }, 'INVALID_ARGUMENT', /options\.learningRates.*non-empty/);
    await reject({ learningRates: [0.1, -1] }, 'INVALID_ARGUMENT', /learningRates\[1\]/);
    await reject({ validationFraction: 0.01 }, 'INVALID_ARGUMENT', /between 1 and 5 of the 6/);
    await reject({ testFeatures: train.features }, 'INVALID_ARGUMENT', /both or neither/);
    await reject({ testFeatures: hostTensor([1, 2], [0, 0]), testLabels: [0] }, 'SHAPE_MISMATCH', /testFeatures\): expected rows of 3 values/);
    await reject({ testFeatures: train.features, testLabels: [0] }, 'SHAPE_MISMATCH', /testLabels\): expected 6 labels/);
  });
});
