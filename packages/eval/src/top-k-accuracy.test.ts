import { describe, expect, it } from 'vitest';
import { hostTensor, isSslError } from '@selfsup/core';
import { argmaxRows, topKAccuracy } from './top-k-accuracy.js';

describe('topKAccuracy', () => {
  it('counts rows whose label is among the k best scores (hand example)', () => {
    // row 0: scores (0.1, 0.7, 0.2) -> ranking 1, 2, 0; label 2 has rank 1
    // row 1: scores (0.5, 0.3, 0.2) -> ranking 0, 1, 2; label 0 has rank 0
    // row 2: scores (0.2, 0.2, 0.6) -> ranking 2, 0, 1 (tie 0.2: lower index first); label 1 has rank 2
    const scores = hostTensor([3, 3], [0.1, 0.7, 0.2, 0.5, 0.3, 0.2, 0.2, 0.2, 0.6]);
    const labels = [2, 0, 1];
    expect(topKAccuracy(scores, labels, 1)).toBeCloseTo(100 / 3, 12); // row 1
    expect(topKAccuracy(scores, labels, 2)).toBeCloseTo(200 / 3, 12); // rows 0, 1
    expect(topKAccuracy(scores, labels, 3)).toBe(100);
    expect(topKAccuracy(scores, labels, 5)).toBe(100); // k beyond the classes: every row
  });

  it('breaks ties by the lower class index', () => {
    // all scores equal: ranking 0, 1, 2, 3 -> label 0 is top-1, label 3 only top-4
    const scores = hostTensor([2, 4], [1, 1, 1, 1, 1, 1, 1, 1]);
    expect(topKAccuracy(scores, [0, 3], 1)).toBe(50);
    expect(topKAccuracy(scores, [0, 3], 3)).toBe(50);
    expect(topKAccuracy(scores, [0, 3], 4)).toBe(100);
  });

  it('rejects bad k, labels and shapes with SslErrors', () => {
    const scores = hostTensor([2, 2], [0, 1, 1, 0]);
    const codeOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        if (isSslError(e)) return e.code;
        throw e;
      }
      return undefined;
    };
    expect(codeOf(() => topKAccuracy(scores, [0, 1], 0))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => topKAccuracy(scores, [0], 1))).toBe('SHAPE_MISMATCH');
    expect(codeOf(() => topKAccuracy(scores, [0, 2], 1))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => topKAccuracy({ shape: [4], data: new Float32Array(4) }, [0], 1))).toBe('SHAPE_MISMATCH');
  });
});

describe('argmaxRows', () => {
  it('returns the best class of each row, the lower index on ties', () => {
    // row 0: 0.8 at class 1; row 1: tie 0.5 / 0.5 -> class 0
    expect(Array.from(argmaxRows(hostTensor([2, 2], [0.2, 0.8, 0.5, 0.5])))).toEqual([1, 0]);
  });
});
