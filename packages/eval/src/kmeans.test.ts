import { describe, expect, it } from 'vitest';
import { createRng, hostTensor, isSslError, type HostTensor } from '@selfsup/core';
import { kmeans } from './kmeans.js';
import { adjustedRandIndex } from './adjusted-rand-index.js';
import { nmi } from './nmi.js';

/** `perBlob` points around each center (std `spread`), rows in blob order; labels = blob index. */
function blobs(centers: number[][], perBlob: number, spread: number, seed: number): { features: HostTensor; labels: number[] } {
  const rng = createRng(seed);
  const dim = centers[0]!.length;
  const data: number[] = [];
  const labels: number[] = [];
  centers.forEach((center, label) => {
    for (let i = 0; i < perBlob; i++) {
      for (let d = 0; d < dim; d++) data.push(center[d]! + rng.normal(0, spread));
      labels.push(label);
    }
  });
  return { features: hostTensor([centers.length * perBlob, dim], data), labels };
}

describe('kmeans', () => {
  it('finds the two means of a 1-D hand example', () => {
    // rows 0, 1, 10, 11 -> clusters {0, 1} and {10, 11}: centroids 0.5 and 10.5,
    // inertia = 4 * 0.5^2 = 1, whichever rows k-means++ seeds from
    for (const seed of [0, 1, 2, 3]) {
      const { assignments, centroids, inertia } = kmeans(hostTensor([4, 1], [0, 1, 10, 11]), 2, createRng(seed));
      expect(assignments[0]).toBe(assignments[1]);
      expect(assignments[2]).toBe(assignments[3]);
      expect(assignments[0]).not.toBe(assignments[2]);
      expect(centroids.shape).toEqual([2, 1]);
      expect(Array.from(centroids.data).sort((a, b) => a - b)).toEqual([0.5, 10.5]);
      expect(inertia).toBeCloseTo(1, 12);
    }
  });

  it('recovers separable blobs exactly (NMI = ARI = 1)', () => {
    const { features, labels } = blobs([[0, 0, 0], [8, 0, 0], [0, 8, 0], [0, 0, 8]], 25, 0.5, 7);
    const { assignments, iterations } = kmeans(features, 4, createRng(1), { restarts: 3 });
    expect(adjustedRandIndex(labels, assignments)).toBe(1);
    expect(nmi(labels, assignments)).toBeCloseTo(1, 12);
    expect(iterations).toBeGreaterThanOrEqual(1);
  });

  it('keeps the lowest-inertia run of its restarts, drawn from one rng', () => {
    const rng = createRng(3);
    const features = hostTensor([60, 2], Array.from({ length: 120 }, () => rng.next()));
    const sequential = createRng(11);
    const single = [0, 1, 2, 3, 4].map(() => kmeans(features, 6, sequential).inertia);
    const best = kmeans(features, 6, createRng(11), { restarts: 5 });
    expect(best.inertia).toBe(Math.min(...single));
    // every row sits at its nearest centroid
    for (let i = 0; i < 60; i++) {
      const own = best.assignments[i]!;
      const d = (c: number) =>
        (features.data[i * 2]! - best.centroids.data[c * 2]!) ** 2 + (features.data[i * 2 + 1]! - best.centroids.data[c * 2 + 1]!) ** 2;
      for (let c = 0; c < 6; c++) expect(d(own)).toBeLessThanOrEqual(d(c) + 1e-6);
    }
  });

  it('is reproducible from the seed and handles k = count and duplicate rows', () => {
    const features = hostTensor([5, 1], [1, 1, 1, 2, 3]);
    const a = kmeans(features, 3, createRng(5));
    const b = kmeans(features, 3, createRng(5));
    expect(Array.from(a.assignments)).toEqual(Array.from(b.assignments));
    // three distinct values, three clusters: zero inertia
    expect(a.inertia).toBe(0);
    // five clusters for three distinct values: empty clusters take duplicate rows, then it stops
    const all = kmeans(features, 5, createRng(0), { iterations: 50 });
    expect(all.centroids.data.every((v) => Number.isFinite(v))).toBe(true);
    expect(all.inertia).toBe(0);
    expect(all.iterations).toBeLessThan(50);
  });

  it('rejects bad k, rng and features with SslErrors', () => {
    const features = hostTensor([3, 2], [0, 0, 1, 1, 2, 2]);
    const codeOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        if (isSslError(e)) return e.code;
        throw e;
      }
      return undefined;
    };
    expect(codeOf(() => kmeans(features, 0, createRng(0)))).toBe('INVALID_ARGUMENT');
    expect(() => kmeans(features, 4, createRng(0))).toThrow(/kmeans\(k\): expected at most the number of rows \(3\), got 4/);
    expect(codeOf(() => kmeans(features, 2, undefined as never))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => kmeans(features, 2, createRng(0), { iterations: 0 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => kmeans({ shape: [3, 3], data: new Float32Array(6) }, 2, createRng(0)))).toBe('SHAPE_MISMATCH');
    expect(codeOf(() => kmeans(hostTensor([2, 1], [0, Number.NaN]), 1, createRng(0)))).toBe('INVALID_ARGUMENT');
  });
});
