import { describe, expect, it } from 'vitest';
import { createRng, SslError } from '@selfsup/core';
import { createBeitBlockMasking } from './beit-block-masking.js';
import { countMaskedTokens } from './token-mask.js';
import { tokenMaskStatistics } from './token-mask-statistics.js';

describe('createBeitBlockMasking', () => {
  it("masks BEiT's 75 of 196 patches: never more, usually exactly, a few short otherwise", () => {
    const counts = Array.from(countMaskedTokens(createBeitBlockMasking().sample(1000, 14, createRng(0))));
    expect(Math.max(...counts)).toBe(75);
    // Once fewer than 16 patches remain, areas are drawn between the remainder and 16 and often
    // overshoot it, so some images stop a few patches short, as in BEiT's generator (about a third).
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    expect(mean).toBeGreaterThan(73);
    expect(counts.filter((c) => c === 75).length / counts.length).toBeGreaterThan(0.5);
  });

  it('takes a ratio instead of a count: floor(ratio * H * W)', () => {
    // 0.4 * 7 * 7 = 19.6 -> at most 19 patches
    const counts = countMaskedTokens(createBeitBlockMasking({ maskRatio: 0.4 }).sample(200, 7, createRng(1)));
    expect(Math.max(...counts)).toBe(19);
  });

  it('makes fewer, larger blocks with a larger minimum block', () => {
    const grid = 14;
    const small = tokenMaskStatistics(createBeitBlockMasking({ minPatchesPerBlock: 4 }).sample(2000, grid, createRng(2)));
    const large = tokenMaskStatistics(createBeitBlockMasking({ minPatchesPerBlock: 16 }).sample(2000, grid, createRng(2)));
    expect(large.meanComponentCount).toBeLessThan(small.meanComponentCount);
  });

  it('caps each block with maxPatchesPerBlock: blocks of at most 4 patches give many components', () => {
    // a single block can add at most 4 new patches, so reaching 40 patches takes >= 10 blocks
    const capped = tokenMaskStatistics(
      createBeitBlockMasking({ maskedPatchCount: 40, minPatchesPerBlock: 1, maxPatchesPerBlock: 4 }).sample(500, 14, createRng(3)),
    );
    const free = tokenMaskStatistics(
      createBeitBlockMasking({ maskedPatchCount: 40, minPatchesPerBlock: 1 }).sample(500, 14, createRng(3)),
    );
    expect(capped.meanComponentCount).toBeGreaterThan(free.meanComponentCount + 1);
  });

  it('is reproducible for a seed and differs between seeds', () => {
    const masking = createBeitBlockMasking();
    const a = masking.sample(16, 14, createRng(5)).data;
    expect(masking.sample(16, 14, createRng(5)).data).toEqual(a);
    expect(masking.sample(16, 14, createRng(6)).data).not.toEqual(a);
  });

  it('rejects contradictory or invalid options', () => {
    expect(() => createBeitBlockMasking({ maskedPatchCount: 10, maskRatio: 0.3 })).toThrow(/either maskedPatchCount or maskRatio/);
    expect(() => createBeitBlockMasking({ maskRatio: 1.5 })).toThrow(SslError);
    expect(() => createBeitBlockMasking({ maskedPatchCount: -1 })).toThrow(SslError);
    expect(() => createBeitBlockMasking({ minPatchesPerBlock: 2.5 })).toThrow(SslError);
    expect(() => createBeitBlockMasking({ maxPatchesPerBlock: 0 })).toThrow(SslError);
  });
});
