import { describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { adjustedRandIndex } from './adjusted-rand-index.js';

describe('adjustedRandIndex', () => {
  it('is 1 for identical labelings and for renamed (permuted) labels', () => {
    expect(adjustedRandIndex([0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 2, 2])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 1, 2, 2], [1, 1, 2, 2, 0, 0])).toBe(1);
  });

  it('matches a hand-computed contingency table', () => {
    // A = [0, 0, 0, 1, 1, 1], B = [0, 0, 1, 1, 2, 2]: table [[2, 1, 0], [0, 1, 2]], n = 6
    // Hubert-Arabie: index = sum C(n_ij, 2) = 1 + 1 = 2; sum C(a_i, 2) = 3 + 3 = 6; sum C(b_j, 2) = 3
    //   expected = 6 * 3 / C(6, 2) = 1.2; max = (6 + 3) / 2 = 4.5
    //   ARI = (2 - 1.2) / (4.5 - 1.2) = 0.8 / 3.3 = 8 / 33 = 0.24242424...
    expect(adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])).toBeCloseTo(8 / 33, 14);
    expect(adjustedRandIndex([0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 1])).toBeCloseTo(8 / 33, 14);
  });

  it('is negative below chance and follows scikit-learn on edge cases', () => {
    // table [[1, 1], [1, 1]]: index 0, sum C(a_i, 2) = 2, sum C(b_j, 2) = 2, expected = 4 / 6,
    // max = 2: ARI = (0 - 2/3) / (2 - 2/3) = -0.5
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 14);
    // everything in one group on both sides, or every item alone on both sides: no disagreeing pair -> 1
    expect(adjustedRandIndex([3, 3, 3], [0, 0, 0])).toBe(1);
    expect(adjustedRandIndex([0, 1, 2], [5, 6, 7])).toBe(1);
    // one group against all singletons: every pair disagrees -> 0
    expect(adjustedRandIndex([0, 0, 0], [0, 1, 2])).toBe(0);
  });

  it('rejects labelings of different lengths', () => {
    let error: unknown;
    try {
      adjustedRandIndex([0, 1], [0, 1, 1]);
    } catch (e) {
      error = e;
    }
    expect(isSslError(error, 'SHAPE_MISMATCH')).toBe(true);
    expect((error as Error).message).toMatch(/adjustedRandIndex\(labelsB\): expected 2 labels like labelsA, got 3/);
  });
});
