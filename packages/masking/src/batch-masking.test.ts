import { describe, expect, it } from 'vitest';
import { createRng, SslError } from '@selfsup/core';
import { createBatchMasking } from './batch-masking.js';
import { countMaskedTokens } from './token-mask.js';

describe('createBatchMasking', () => {
  it('masks floor(B * maskProbability) images', () => {
    // B = 10, p = 0.5 -> 5 masked; p = 0.25 -> floor(2.5) = 2 masked
    const masked = (p: number, seed: number) =>
      countMaskedTokens(createBatchMasking({ maskProbability: p }).sample(10, 14, createRng(seed))).filter((c) => c > 0).length;
    for (let seed = 0; seed < 5; seed++) {
      expect(masked(0.5, seed)).toBe(5);
      expect(masked(0.25, seed)).toBe(2);
    }
  });

  it('spreads ratios evenly: the i-th masked image stays within slice i of [min, max]', () => {
    // without shuffling, images 0..3 of 8 are masked with ratios in the slices of
    // linspace(0.1, 0.5, 5) = [0.1, 0.2, 0.3, 0.4, 0.5]: at most floor(196 * upper) patches each
    const masking = createBatchMasking({ maskRatioRange: [0.1, 0.5], shuffleImages: false });
    const upper = [39, 58, 78, 98]; // floor(196 * 0.2) = 39, floor(58.8), floor(78.4), floor(98)
    for (let seed = 0; seed < 20; seed++) {
      const counts = Array.from(countMaskedTokens(masking.sample(8, 14, createRng(seed))));
      counts.slice(0, 4).forEach((c, i) => {
        expect(c).toBeGreaterThan(0);
        expect(c).toBeLessThanOrEqual(upper[i]!);
      });
      expect(counts.slice(4)).toEqual([0, 0, 0, 0]);
    }
  });

  it('shuffles which images are masked', () => {
    const masking = createBatchMasking();
    const firstMasked = new Set<number>();
    for (let seed = 0; seed < 20; seed++) {
      const counts = countMaskedTokens(masking.sample(8, 14, createRng(seed)));
      firstMasked.add(counts.findIndex((c) => c > 0));
    }
    expect(firstMasked.size).toBeGreaterThan(1);
  });

  it('keeps each block under half the grid', () => {
    // one block may add at most 0.5 * 16 = 8 patches on 4x4; a ratio range [1, 1] asks for 16
    const counts = countMaskedTokens(
      createBatchMasking({ maskProbability: 1, maskRatioRange: [1, 1], minPatchesPerBlock: 1 }).sample(50, 4, createRng(4)),
    );
    expect(counts.every((c) => c > 0 && c <= 16)).toBe(true);
  });

  it('is reproducible for a seed and rejects bad options', () => {
    const masking = createBatchMasking();
    expect(masking.sample(8, 14, createRng(1)).data).toEqual(masking.sample(8, 14, createRng(1)).data);
    expect(masking.sample(8, 14, createRng(1)).data).not.toEqual(masking.sample(8, 14, createRng(2)).data);
    expect(() => createBatchMasking({ maskProbability: 1.5 })).toThrow(SslError);
    expect(() => createBatchMasking({ maskRatioRange: [0.5, 0.1] })).toThrow(/maskRatioRange/);
    expect(() => createBatchMasking({ maskRatioRange: [0.1, 1.5] })).toThrow(SslError);
  });
});
