import { describe, expect, it } from 'vitest';
import { createTokenMask } from './token-mask.js';
import { tokenMaskStatistics } from './token-mask-statistics.js';

describe('tokenMaskStatistics', () => {
  it('counts masked patches and 4-connected regions: hand-worked example', () => {
    // 3x3 images:
    //   image 0      image 1      image 2
    //   1 1 0        1 0 1        0 0 0
    //   0 1 0        0 1 0        0 0 0
    //   0 0 1        1 0 1        0 0 0
    // image 0: 4 masked, {(0,0),(0,1),(1,1)} and {(2,2)} -> 2 regions (diagonals do not connect)
    // image 1: 5 masked, all diagonal neighbours -> 5 regions; image 2: empty -> 0 regions
    const mask = createTokenMask(
      3,
      3,
      Uint8Array.from([1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    );
    const stats = tokenMaskStatistics(mask);
    expect(Array.from(stats.maskedCounts)).toEqual([4, 5, 0]);
    expect(Array.from(stats.componentCounts)).toEqual([2, 5, 0]);
    // fractions 4/9, 5/9, 0: mean 1/3; population variance (16 + 25 + 0) / 81 / 3 - 1/9 = 14/243
    expect(stats.meanMaskedFraction).toBeCloseTo(1 / 3, 12);
    expect(stats.stdMaskedFraction).toBeCloseTo(Math.sqrt(14 / 243), 12);
    expect(stats.emptyShare).toBeCloseTo(1 / 3, 12);
    expect(stats.meanComponentCount).toBeCloseTo(7 / 3, 12);
    expect(stats.meanComponentCountWhenMasked).toBeCloseTo(7 / 2, 12);
  });

  it('follows regions around corners (a U shape is one region)', () => {
    // 1 0 1
    // 1 0 1
    // 1 1 1
    const stats = tokenMaskStatistics(createTokenMask(1, 3, Uint8Array.from([1, 0, 1, 1, 0, 1, 1, 1, 1])));
    expect(stats.componentCounts[0]).toBe(1);
    expect(stats.maskedCounts[0]).toBe(7);
  });
});
