import { describe, expect, it } from 'vitest';
import { createRng, SslError } from '@selfsup/core';
import { createRandPatchMasking } from './rand-patch-masking.js';
import { countMaskedTokens } from './token-mask.js';

describe('createRandPatchMasking', () => {
  it('masks exactly int(ratio * N) patches per image', () => {
    // 0.3 * 196 = 58.8 -> 58; 0.5 * 49 = 24.5 -> 24
    expect(Array.from(countMaskedTokens(createRandPatchMasking({ maskRatio: 0.3 }).sample(5, 14, createRng(0))))).toEqual([
      58, 58, 58, 58, 58,
    ]);
    expect(Array.from(countMaskedTokens(createRandPatchMasking({ maskRatio: 0.5 }).sample(3, 7, createRng(0))))).toEqual([
      24, 24, 24,
    ]);
  });

  it('puts every position equally often', () => {
    // 2000 images of 4x4 with 8 masked each: each position is masked with probability 1/2,
    // a frequency with standard deviation sqrt(0.25 / 2000) = 0.011
    const mask = createRandPatchMasking({ maskRatio: 0.5 }).sample(2000, 4, createRng(1));
    for (let p = 0; p < 16; p++) {
      let hits = 0;
      for (let b = 0; b < 2000; b++) hits += mask.data[b * 16 + p]!;
      expect(Math.abs(hits / 2000 - 0.5)).toBeLessThan(0.05);
    }
  });

  it("uses iBOT's per-image ratios: list with 0 and variance", () => {
    // default [0, 0.3] ± [0, 0.2] on 10x10: either 0 or floor(r * 100) with r in [0.1, 0.5]
    const counts = Array.from(countMaskedTokens(createRandPatchMasking().sample(1000, 10, createRng(2))));
    const masked = counts.filter((c) => c > 0);
    expect(Math.abs(masked.length / counts.length - 0.5)).toBeLessThan(0.05);
    expect(Math.min(...masked)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...masked)).toBeLessThanOrEqual(50);
  });

  it('masks nothing before startEpoch', () => {
    const masking = createRandPatchMasking({ maskRatio: 0.3, startEpoch: 1 });
    expect(countMaskedTokens(masking.sample(4, 7, createRng(0), { epoch: 0 })).every((c) => c === 0)).toBe(true);
    expect(countMaskedTokens(masking.sample(4, 7, createRng(0), { epoch: 1 })).every((c) => c === 14)).toBe(true);
  });

  it('is reproducible for a seed and rejects bad ratios', () => {
    const masking = createRandPatchMasking({ maskRatio: 0.4 });
    expect(masking.sample(4, 14, createRng(3)).data).toEqual(masking.sample(4, 14, createRng(3)).data);
    expect(masking.sample(4, 14, createRng(3)).data).not.toEqual(masking.sample(4, 14, createRng(4)).data);
    expect(() => createRandPatchMasking({ maskRatio: 2 })).toThrow(SslError);
    expect(() => createRandPatchMasking({ maskRatio: 0.1, maskRatioVariance: 0.2 })).toThrow(SslError);
  });
});
