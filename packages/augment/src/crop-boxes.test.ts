import { describe, expect, it } from 'vitest';
import { createRng, isSslError, type Rng } from '@selfsup/core';
import { roundHalfEven, sampleCropBoxes } from './crop-boxes.js';

/** Wraps an Rng and records which method was called, to check the documented draw order. */
function recording(rng: Rng): { rng: Rng; calls: string[] } {
  const calls: string[] = [];
  const wrapped = Object.create(rng) as Rng;
  wrapped.uniform = (low, high) => (calls.push('uniform'), rng.uniform(low, high));
  wrapped.integer = (low, high) => (calls.push('integer'), rng.integer(low, high));
  return { rng: wrapped, calls };
}

describe('roundHalfEven', () => {
  it('rounds ties to even like Python round', () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4, 2.6, 7].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 3, 7]);
  });
});

describe('sampleCropBoxes', () => {
  it('gives the same boxes for the same seed and different boxes for another seed', () => {
    const a = sampleCropBoxes(16, 32, 24, createRng(3), { scale: [0.1, 0.9] });
    const b = sampleCropBoxes(16, 32, 24, createRng(3), { scale: [0.1, 0.9] });
    const c = sampleCropBoxes(16, 32, 24, createRng(4), { scale: [0.1, 0.9] });
    expect(a).toEqual(b);
    expect(Array.from(c.top)).not.toEqual(Array.from(a.top));
  });

  it('keeps the whole image for scale [1, 1] and ratio [1, 1], drawing area, ratio, top, left', () => {
    // area = 64, ratio 1: w = h = round(8) = 8 fits at the first attempt; top in [0, 0], left in [0, 0]
    const { rng, calls } = recording(createRng(0));
    const boxes = sampleCropBoxes(2, 8, 8, rng, { scale: [1, 1], ratio: [1, 1] });
    expect(Array.from(boxes.top)).toEqual([0, 0]);
    expect(Array.from(boxes.left)).toEqual([0, 0]);
    expect(Array.from(boxes.height)).toEqual([8, 8]);
    expect(Array.from(boxes.width)).toEqual([8, 8]);
    expect(calls).toEqual(['uniform', 'uniform', 'integer', 'integer', 'uniform', 'uniform', 'integer', 'integer']);
  });

  it('falls back to the central crop clamped to the ratio range after 10 failed attempts', () => {
    // 8x8 image, area 64, ratio >= 2: w = round(sqrt(64 r)) >= round(11.3) = 11 > 8 never fits.
    // Fallback: in_ratio 1 < 2, so w = 8, h = round(8 / 2) = 4, top = (8 - 4) // 2 = 2, left = 0.
    const { rng, calls } = recording(createRng(1));
    const wide = sampleCropBoxes(1, 8, 8, rng, { scale: [1, 1], ratio: [2, 3] });
    expect([wide.top[0], wide.left[0], wide.height[0], wide.width[0]]).toEqual([2, 0, 4, 8]);
    expect(calls).toEqual(Array(20).fill('uniform'));
    // ratio <= 1/2: h = round(sqrt(64 / r)) >= round(11.3) never fits; in_ratio 1 > 1/2, so h = 8,
    // w = round(8 * 1/2) = 4, top = 0, left = (8 - 4) // 2 = 2
    const tall = sampleCropBoxes(1, 8, 8, createRng(1), { scale: [1, 1], ratio: [1 / 3, 1 / 2] });
    expect([tall.top[0], tall.left[0], tall.height[0], tall.width[0]]).toEqual([0, 2, 8, 4]);
  });

  it('draws areas in the scale range, aspect ratios in the ratio range and uniform positions', () => {
    const [height, width, count] = [48, 64, 3000];
    const [s0, s1, r0, r1] = [0.2, 0.6, 3 / 4, 4 / 3];
    const boxes = sampleCropBoxes(count, height, width, createRng(11), { scale: [s0, s1], ratio: [r0, r1] });
    let areaSum = 0;
    let logRatioSum = 0;
    let topSum = 0;
    let movable = 0;
    for (let b = 0; b < count; b++) {
      const [t, l, h, w] = [boxes.top[b]!, boxes.left[b]!, boxes.height[b]!, boxes.width[b]!];
      expect(t >= 0 && l >= 0 && t + h <= height && l + w <= width).toBe(true);
      // w and h are the target sides rounded to integers, so each is off by at most 0.5
      expect((w - 0.5) * (h - 0.5)).toBeLessThanOrEqual(s1 * height * width);
      expect((w + 0.5) * (h + 0.5)).toBeGreaterThanOrEqual(s0 * height * width);
      expect((w - 0.5) / (h + 0.5)).toBeLessThanOrEqual(r1);
      expect((w + 0.5) / (h - 0.5)).toBeGreaterThanOrEqual(r0);
      areaSum += (w * h) / (height * width);
      logRatioSum += Math.log(w / h);
      if (h < height) {
        topSum += t / (height - h);
        movable++;
      }
    }
    // every attempt fits here (w <= sqrt(0.6 * 3072 * 4/3) = 49.6 < 64, h <= 49.6 > 48 rarely), so
    // the area fraction is about uniform on [0.2, 0.6] (mean 0.4) and log ratio symmetric (mean 0)
    expect(Math.abs(areaSum / count - (s0 + s1) / 2)).toBeLessThan(0.01);
    expect(Math.abs(logRatioSum / count)).toBeLessThan(0.02);
    expect(Math.abs(topSum / movable - 0.5)).toBeLessThan(0.03);
  });

  it('rejects bad options with SslErrors naming the argument', () => {
    const rng = createRng(0);
    const cases: [unknown, RegExp][] = [
      [{ scale: [0, 1] }, /\(options\)\.scale: expected a pair \[low, high\] with low <= high, both in \(0, 1\]/],
      [{ scale: [0.5, 0.2] }, /\(options\)\.scale.*swap them to \[0\.2, 0\.5\]/],
      [{ scale: [0.2, 1.5] }, /\(options\)\.scale/],
      [{ ratio: [0, 1] }, /\(options\)\.ratio/],
      [{ ratio: [2, 1] }, /\(options\)\.ratio/],
      [{ scale: 0.5 }, /\(options\)\.scale/],
    ];
    for (const [options, message] of cases) {
      let caught: unknown;
      try {
        sampleCropBoxes(2, 8, 8, rng, options as never);
      } catch (error) {
        caught = error;
      }
      expect(isSslError(caught, 'INVALID_ARGUMENT')).toBe(true);
      expect((caught as Error).message).toMatch(message);
    }
    expect(() => sampleCropBoxes(-1, 8, 8, rng)).toThrow(/sampleCropBoxes\(count\)/);
    expect(() => sampleCropBoxes(1, 0, 8, rng)).toThrow(/sampleCropBoxes\(height\)/);
  });
});
