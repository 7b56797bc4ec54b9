import { describe, expect, it } from 'vitest';
import { createRng, SslError } from '@selfsup/core';
import { loadFixture } from '@selfsup/testing';
import { createBlockMasking } from './block-masking.js';
import { createRandPatchMasking } from './rand-patch-masking.js';
import type { GridSize } from './grid.js';
import { countMaskedTokens } from './token-mask.js';
import { tokenMaskStatistics } from './token-mask-statistics.js';

/** One setting of `block-mask-stats.json`: the official sampler's statistics over `samples` draws. */
interface BlockMaskCase {
  grid: number | [number, number] | { height: number; width: number };
  pred_ratio: number | number[];
  pred_ratio_var: number | number[];
  aspect_ratio: [number, number];
  pred_shape?: 'block' | 'rand';
  samples: number;
  mean_fraction: number;
  std_fraction: number;
  p_empty: number;
  mean_components: number;
  mean_components_when_masked?: number;
}

function gridOf(grid: BlockMaskCase['grid']): GridSize {
  if (typeof grid === 'number') return { height: grid, width: grid };
  if (Array.isArray(grid)) return { height: grid[0], width: grid[1] };
  return grid;
}

const fixture = loadFixture<{ cases: BlockMaskCase[] }>('block-mask-stats.json');

describe('createBlockMasking: statistical parity with iBOT (block-mask-stats.json)', () => {
  it('has cases to check', () => {
    expect(fixture.cases.length).toBeGreaterThan(0);
  });

  fixture.cases.forEach((c, index) => {
    const grid = gridOf(c.grid);
    const label = `grid ${grid.height}x${grid.width}, ratio ${JSON.stringify(c.pred_ratio)} ± ${JSON.stringify(c.pred_ratio_var)}`;
    it(`matches the official sampler: ${label}`, () => {
      const options = { maskRatio: c.pred_ratio, maskRatioVariance: c.pred_ratio_var, aspectRatioRange: c.aspect_ratio };
      const masking = c.pred_shape === 'rand' ? createRandPatchMasking(options) : createBlockMasking(options);
      const samples = Math.max(8000, c.samples);
      const stats = tokenMaskStatistics(masking.sample(samples, grid, createRng(1000 + index)));
      expect(Math.abs(stats.meanMaskedFraction - c.mean_fraction)).toBeLessThanOrEqual(0.01);
      expect(Math.abs(stats.stdMaskedFraction - c.std_fraction)).toBeLessThanOrEqual(0.01);
      expect(Math.abs(stats.emptyShare - c.p_empty)).toBeLessThanOrEqual(0.01);
      expect(Math.abs(stats.meanComponentCount - c.mean_components)).toBeLessThanOrEqual(0.1);
      if (c.mean_components_when_masked !== undefined && c.p_empty < 1) {
        expect(Math.abs(stats.meanComponentCountWhenMasked - c.mean_components_when_masked)).toBeLessThanOrEqual(0.1);
      }
    });
  });
});

describe('createBlockMasking', () => {
  it('never masks more than ratio * H * W patches, and reaches within a block of it', () => {
    // ratio 0.3 on 14x14: budget 58.8, so at most 58 patches (each block fits the remaining budget)
    const mask = createBlockMasking({ maskRatio: 0.3, maskRatioVariance: 0 }).sample(500, 14, createRng(3));
    const counts = Array.from(countMaskedTokens(mask));
    expect(Math.max(...counts)).toBeLessThanOrEqual(58);
    expect(counts.reduce((a, b) => a + b, 0) / counts.length).toBeGreaterThan(50);
  });

  it("defaults to iBOT's ViT setting: half the images unmasked, the others in 0.1-0.5", () => {
    const mask = createBlockMasking().sample(4000, 14, createRng(5));
    const counts = Array.from(countMaskedTokens(mask));
    const empty = counts.filter((c) => c === 0).length / counts.length;
    // share of ratio-0 images is Binomial(4000, 0.5)/4000: standard deviation 0.0079
    expect(Math.abs(empty - 0.5)).toBeLessThan(0.03);
    // the others: ratio in [0.1, 0.5] -> at most floor(0.5 * 196) = 98 patches, and at least one block
    const masked = counts.filter((c) => c > 0);
    expect(Math.max(...masked)).toBeLessThanOrEqual(98);
    expect(Math.min(...masked)).toBeGreaterThanOrEqual(9);
  });

  it('takes a list of ratios with one variance for all', () => {
    // ratios [0.2, 0.4], variance 0 -> budgets 9.8 and 19.6 on 7x7: counts <= 9 or in (9, 19]
    const mask = createBlockMasking({ maskRatio: [0.2, 0.4], maskRatioVariance: 0 }).sample(400, 7, createRng(9));
    const counts = Array.from(countMaskedTokens(mask));
    expect(Math.max(...counts)).toBeLessThanOrEqual(19);
    expect(counts.some((c) => c > 9)).toBe(true);
    expect(counts.some((c) => c <= 9)).toBe(true);
  });

  it('masks nothing before startEpoch, and masks from it on (or when no epoch is given)', () => {
    const masking = createBlockMasking({ maskRatio: 0.4, maskRatioVariance: 0, startEpoch: 2 });
    const count = (epoch?: number) =>
      countMaskedTokens(masking.sample(8, 14, createRng(1), epoch === undefined ? undefined : { epoch })).reduce(
        (a, b) => a + b,
        0,
      );
    expect(count(0)).toBe(0);
    expect(count(1)).toBe(0);
    expect(count(2)).toBeGreaterThan(0);
    expect(count()).toBeGreaterThan(0);
    expect(() => masking.sample(1, 14, createRng(0), { epoch: -1 })).toThrow(SslError);
  });

  it('works on rectangular grids and keeps masks inside each image', () => {
    const mask = createBlockMasking({ maskRatio: 0.5, maskRatioVariance: 0 }).sample(50, { height: 6, width: 10 }, createRng(4));
    expect(mask).toMatchObject({ batchSize: 50, gridHeight: 6, gridWidth: 10 });
    for (const c of countMaskedTokens(mask)) expect(c).toBeLessThanOrEqual(30);
  });

  it('is reproducible for a seed and differs between seeds', () => {
    const masking = createBlockMasking();
    const a = masking.sample(32, 14, createRng(11)).data;
    expect(masking.sample(32, 14, createRng(11)).data).toEqual(a);
    expect(masking.sample(32, 14, createRng(12)).data).not.toEqual(a);
  });

  it('rejects ratios outside [0, 1], variances larger than the ratio, and mismatched lists', () => {
    const bad = [
      { maskRatio: 1.2 },
      { maskRatio: -0.1 },
      { maskRatio: 0.2, maskRatioVariance: 0.3 },
      { maskRatio: [0, 0.3], maskRatioVariance: [0.1, 0.2] },
      { maskRatio: 0.8, maskRatioVariance: 0.3 },
      { maskRatio: [0.1, 0.2, 0.3], maskRatioVariance: [0, 0] },
      { maskRatio: [] as number[] },
      { aspectRatioRange: [3, 0.3] as [number, number] },
      { startEpoch: -1 },
    ];
    for (const options of bad) {
      expect(() => createBlockMasking(options), JSON.stringify(options)).toThrow(SslError);
    }
    expect(() => createBlockMasking({ maskRatio: 0.2, maskRatioVariance: 0.3 })).toThrow(/maskRatioVariance/);
    expect(() => createBlockMasking({ maskRatio: 1.2 })).toThrow(/createBlockMasking\(options\.maskRatio\): expected a share of patches in \[0, 1\], got 1\.2/);
  });
});
