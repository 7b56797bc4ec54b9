import { describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { nmi } from './nmi.js';

describe('nmi', () => {
  it('is 1 for identical labelings and for renamed (permuted) labels', () => {
    expect(nmi([0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 2, 2])).toBeCloseTo(1, 14);
    expect(nmi([0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 7, 7])).toBeCloseTo(1, 14);
    expect(nmi([-3, 5, 5], [1, 0, 0])).toBeCloseTo(1, 14);
  });

  it('matches a hand-computed contingency table', () => {
    // A = [0, 0, 0, 1, 1, 1], B = [0, 0, 1, 1, 2, 2]: table rows A, columns B
    //   [[2, 1, 0],
    //    [0, 1, 2]]    n = 6, row sums [3, 3], column sums [2, 2, 2]
    // I = sum p_ij ln(p_ij / (p_i p_j)) = 2 * (2/6) ln((2/6) / (1/2 * 1/3)) + 2 * (1/6) ln(1) = (2/3) ln 2
    // H(A) = ln 2, H(B) = ln 3; NMI = (2/3) ln 2 / ((ln 2 + ln 3) / 2) = (4/3) ln 2 / ln 6 = 0.5158037429793889
    const expected = ((4 / 3) * Math.log(2)) / Math.log(6);
    expect(nmi([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])).toBeCloseTo(expected, 14);
    // symmetric in its arguments (arithmetic mean of the entropies)
    expect(nmi([0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 1])).toBeCloseTo(expected, 14);
  });

  it('is 0 for independent labelings and follows scikit-learn on single-label edge cases', () => {
    // table [[1, 1], [1, 1]]: p_ij = p_i p_j everywhere -> I = 0
    expect(nmi([0, 0, 1, 1], [0, 1, 0, 1])).toBe(0);
    // both labelings have one label: 1; one has one label, the other several: I = 0 -> 0
    expect(nmi([4, 4, 4], [1, 1, 1])).toBe(1);
    expect(nmi([0, 0, 0], [0, 1, 2])).toBe(0);
    expect(nmi([], [])).toBe(1);
  });

  it('rejects labelings of different lengths and non-integer labels', () => {
    let error: unknown;
    try {
      nmi([0, 1, 2], [0, 1]);
    } catch (e) {
      error = e;
    }
    expect(isSslError(error, 'SHAPE_MISMATCH')).toBe(true);
    expect((error as Error).message).toMatch(/nmi\(labelsB\): expected 3 labels like labelsA, got 2/);
    expect(() => nmi([0, 0.5], [0, 1])).toThrow(/nmi\(labelsA\)\[1\]: expected an integer label, got 0\.5/);
  });
});
