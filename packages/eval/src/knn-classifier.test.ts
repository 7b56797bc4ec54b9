import { describe, expect, it } from 'vitest';
import { hostTensor, isSslError, type HostTensor } from '@selfsup/core';
import { expectNoLeaks, loadFixture, type FixtureTensor } from '@selfsup/testing';
import { knnClassifier } from './knn-classifier.js';

interface KnnFixture {
  num_classes: number;
  train_features: FixtureTensor;
  train_labels: number[];
  test_features: FixtureTensor;
  test_labels: number[];
  cases: { k: number; T: number; top1: number; top5: number }[];
}

function host(t: FixtureTensor): HostTensor {
  return hostTensor(t.shape, Float32Array.from(t.data));
}

// Four unit-length training points on the circle and their classes:
//   t0 = (1, 0) class 0, t1 = (0.8, 0.6) class 1, t2 = (0, 1) class 1, t3 = (-1, 0) class 2
const train = hostTensor([4, 2], [1, 0, 0.8, 0.6, 0, 1, -1, 0]);
const trainLabels = [0, 1, 1, 2];

describe('knnClassifier', () => {
  it('equals eval_knn.knn_classifier on every (k, T) case of knn.json', async () => {
    const fixture = loadFixture<KnnFixture>('knn.json');
    expect(fixture.cases.length).toBeGreaterThan(0);
    for (const { k, T, top1, top5 } of fixture.cases) {
      const result = await knnClassifier({
        trainFeatures: host(fixture.train_features),
        trainLabels: fixture.train_labels,
        testFeatures: host(fixture.test_features),
        testLabels: fixture.test_labels,
        classCount: fixture.num_classes,
        k,
        temperature: T,
      });
      expect({ k, T, top1: result.top1, top5: result.top5 }).toEqual({ k, T, top1, top5 });
    }
  });

  it('gives the same result whatever the chunk size', async () => {
    const fixture = loadFixture<KnnFixture>('knn.json');
    const base = {
      trainFeatures: host(fixture.train_features),
      trainLabels: fixture.train_labels,
      testFeatures: host(fixture.test_features),
      testLabels: fixture.test_labels,
      classCount: fixture.num_classes,
    };
    const whole = await knnClassifier(base);
    const chunked = await knnClassifier({ ...base, chunkSize: 7 });
    expect(chunked.top1).toBe(whole.top1);
    expect(chunked.top5).toBe(whole.top5);
    expect(Array.from(chunked.predictions)).toEqual(Array.from(whole.predictions));
  });

  it('weights the k nearest votes by exp(similarity / T) (hand example, k = 2)', async () => {
    // test q = (0.6, 0.8), true class 0. Similarities (dot products) to t0..t3:
    //   t0: 0.6, t1: 0.48 + 0.48 = 0.96, t2: 0.8, t3: -0.6
    // k = 2 nearest: t1 (0.96, class 1), t2 (0.8, class 1) -> class 1 gets every vote
    //   class scores [0, e^(0.96/T) + e^(0.8/T), 0] -> ranking 1, 0, 2: top-1 wrong, top-5 = first
    //   min(5, 2) = 2 classes = {1, 0} holds class 0 (an unvoted class, placed by index) -> right
    const q = hostTensor([1, 2], [0.6, 0.8]);
    const r = await knnClassifier({ trainFeatures: train, trainLabels, testFeatures: q, testLabels: [0], k: 2, temperature: 0.1 });
    expect(r.top1).toBe(0);
    expect(r.top5).toBe(100);
    expect(Array.from(r.predictions)).toEqual([1]);
  });

  it('lets a few near votes outweigh more far ones at a low temperature, and not at a high one', async () => {
    // test q = (1, 0), k = 3 nearest: t0 (1, class 0), t1 (0.8, class 1), t2 (0, class 1)
    // T = 0.1: class 0 = e^10 = 22026.5; class 1 = e^8 + e^0 = 2980.96 + 1 = 2981.96 -> class 0
    // T = 10:  class 0 = e^0.1 = 1.105; class 1 = e^0.08 + e^0 = 1.083 + 1 = 2.083 -> class 1
    const q = hostTensor([1, 2], [1, 0]);
    const base = { trainFeatures: train, trainLabels, testFeatures: q, testLabels: [0], k: 3 };
    const cold = await knnClassifier({ ...base, temperature: 0.1 });
    expect(Array.from(cold.predictions)).toEqual([0]);
    expect(cold.top1).toBe(100);
    const warm = await knnClassifier({ ...base, temperature: 10 });
    expect(Array.from(warm.predictions)).toEqual([1]);
    expect(warm.top1).toBe(0);
    // top-5 looks at min(5, k) = 3 of the 3 classes: always right
    expect(warm.top5).toBe(100);
  });

  it('counts top-5 over min(5, k) ranked classes, unvoted ones in index order', async () => {
    // 7 classes; train points all at (1, 0) except the labels differ: similarity 1 to q = (1, 0).
    // k = 1: the nearest is train index 0 (equal similarities: lower index first), class 6.
    // ranking: 6 (voted), then 0, 1, 2, 3, 4, 5 (score 0, by index). top-5 depth min(5, 1) = 1.
    const same = hostTensor([3, 2], [1, 0, 1, 0, 1, 0]);
    const q = hostTensor([3, 2], [1, 0, 1, 0, 1, 0]);
    const r1 = await knnClassifier({ trainFeatures: same, trainLabels: [6, 3, 3], testFeatures: q, testLabels: [6, 0, 3], k: 1, temperature: 1 });
    // test 0 (class 6): right; test 1 (class 0): rank 1, outside depth 1; test 2 (class 3): rank 4
    expect(r1.top1).toBeCloseTo(100 / 3, 12);
    expect(r1.top5).toBeCloseTo(100 / 3, 12);
    // k = 3: all three vote, class 3 gets 2 e^0 = 2 > class 6 gets 1 -> ranking 3, 6, 0, 1, 2, 4, 5
    // depth min(5, 3) = 3: class 3 rank 0, class 6 rank 1, class 0 rank 2 -> all in top-5
    const r3 = await knnClassifier({ trainFeatures: same, trainLabels: [6, 3, 3], testFeatures: q, testLabels: [6, 0, 3], k: 3, temperature: 1 });
    expect(r3.top1).toBeCloseTo(100 / 3, 12);
    expect(r3.top5).toBe(100);
    expect(Array.from(r3.predictions)).toEqual([3, 3, 3]);
  });

  it('does not overflow at tiny temperatures', async () => {
    // exp(1 / 1e-4) overflows float64; exp((s - s_max) / T) does not, and keeps the ranking
    const q = hostTensor([1, 2], [0.6, 0.8]);
    const r = await knnClassifier({ trainFeatures: train, trainLabels, testFeatures: q, testLabels: [1], k: 4, temperature: 1e-4 });
    expect(Array.from(r.predictions)).toEqual([1]);
    expect(r.top1).toBe(100);
  });

  it('leaves no tensor behind', async () => {
    const q = hostTensor([2, 2], [0.6, 0.8, 1, 0]);
    await expectNoLeaks(() => knnClassifier({ trainFeatures: train, trainLabels, testFeatures: q, testLabels: [0, 0], k: 2, chunkSize: 1 }), 'knnClassifier');
  });

  it('rejects bad k, temperature, shapes and labels with SslErrors', async () => {
    const q = hostTensor([1, 2], [1, 0]);
    const base = { trainFeatures: train, trainLabels, testFeatures: q, testLabels: [0], k: 2 };
    const expectError = async (options: Parameters<typeof knnClassifier>[0], code: string, text: RegExp) => {
      const error = await knnClassifier(options).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isSslError(error)).toBe(true);
      expect((error as { code: string }).code).toBe(code);
      expect((error as Error).message).toMatch(text);
    };
    await expectError({ ...base, k: 0 }, 'INVALID_ARGUMENT', /options\.k.*>= 1.*got 0/);
    await expectError({ ...base, k: 1.5 }, 'INVALID_ARGUMENT', /options\.k/);
    await expectError({ ...base, k: 5 }, 'INVALID_ARGUMENT', /at most the number of training images \(4\)/);
    await expectError({ ...base, temperature: 0 }, 'INVALID_ARGUMENT', /options\.temperature.*> 0.*got 0/);
    await expectError({ ...base, temperature: -1 }, 'INVALID_ARGUMENT', /options\.temperature/);
    await expectError({ ...base, testFeatures: hostTensor([1, 3], [1, 0, 0]) }, 'SHAPE_MISMATCH', /2 values.*\[1, 3\]/);
    await expectError({ ...base, trainLabels: [0, 1, 1] }, 'SHAPE_MISMATCH', /trainLabels\): expected 4 labels.*got 3/);
    await expectError({ ...base, testLabels: [0, 1] }, 'SHAPE_MISMATCH', /testLabels\): expected 1 labels/);
    await expectError({ ...base, testLabels: [-1] }, 'INVALID_ARGUMENT', /testLabels\)\[0\]/);
    await expectError({ ...base, classCount: 2 }, 'INVALID_ARGUMENT', /trainLabels\)\[3\].*\[0, 2\)/);
    await expectError({ ...base, classCount: 0 }, 'INVALID_ARGUMENT', /options\.classCount\): expected an integer >= 1, got 0/);
    await expectError({ ...base, testFeatures: hostTensor([1, 2], [Number.NaN, 0]) }, 'INVALID_ARGUMENT', /finite/);
    await expectError(
      { ...base, trainFeatures: { shape: [4], data: new Float32Array(4) } },
      'SHAPE_MISMATCH',
      /trainFeatures\): expected shape \[count, dim\]/,
    );
  });
});
