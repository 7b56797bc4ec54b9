import { describe, expect, it } from 'vitest';
import { createRng, SslError } from '@selfsup/core';
import { createMaskRatioSampler } from './mask-ratio.js';

describe('createMaskRatioSampler', () => {
  it("defaults to iBOT's ViT setting [0, 0.3] ± [0, 0.2]", () => {
    const sampler = createMaskRatioSampler('f', {});
    expect(sampler.ratios).toEqual([0, 0.3]);
    expect(sampler.variances).toEqual([0, 0.2]);
  });

  it('picks list entries uniformly and draws within ratio ± variance', () => {
    // ratios [0, 0.3] ± [0, 0.2]: half exactly 0, the others uniform in [0.1, 0.5] (mean 0.3)
    const sampler = createMaskRatioSampler('f', { maskRatio: [0, 0.3], maskRatioVariance: [0, 0.2] });
    const rng = createRng(0);
    const draws = Array.from({ length: 4000 }, () => sampler.draw(rng));
    const zeros = draws.filter((r) => r === 0);
    const others = draws.filter((r) => r !== 0);
    expect(Math.abs(zeros.length / 4000 - 0.5)).toBeLessThan(0.03);
    expect(Math.min(...others)).toBeGreaterThanOrEqual(0.1);
    expect(Math.max(...others)).toBeLessThan(0.5);
    expect(Math.abs(others.reduce((a, b) => a + b, 0) / others.length - 0.3)).toBeLessThan(0.01);
  });

  it('uses one variance for every ratio, and 0 variance when only a ratio is given', () => {
    expect(createMaskRatioSampler('f', { maskRatio: [0.2, 0.4], maskRatioVariance: 0.1 }).variances).toEqual([0.1, 0.1]);
    const fixed = createMaskRatioSampler('f', { maskRatio: 0.3 });
    expect(fixed.variances).toEqual([0]);
    expect(fixed.draw(createRng(1))).toBe(0.3);
  });

  it('is active from startEpoch on, and always when no epoch is known', () => {
    const sampler = createMaskRatioSampler('f', { startEpoch: 3 });
    expect([undefined, 0, 2, 3, 9].map((e) => sampler.isActive(e))).toEqual([true, false, false, true, true]);
  });

  it('names the factory and the entry in errors', () => {
    expect(() => createMaskRatioSampler('createX', { maskRatio: [0.2, 1.4] })).toThrow(/createX\(options\.maskRatio\[1\]\)/);
    expect(() => createMaskRatioSampler('createX', { maskRatio: 0.1, maskRatioVariance: -0.1 })).toThrow(SslError);
  });
});
