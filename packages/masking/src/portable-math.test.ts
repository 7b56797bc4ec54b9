import { describe, expect, it } from 'vitest';
import { portableExp, portableLog, roundHalfToEven } from './portable-math.js';

describe('portableExp', () => {
  it('agrees with Math.exp to a few ulps over the range the samplers use and beyond', () => {
    for (let x = -20; x <= 20; x += 0.0137) {
      const expected = Math.exp(x);
      expect(Math.abs(portableExp(x) - expected) / expected).toBeLessThan(4e-16);
    }
  });

  it('is exact where the answer is: e^0 = 1, and handles the extremes', () => {
    expect(portableExp(0)).toBe(1);
    expect(portableExp(800)).toBe(Number.POSITIVE_INFINITY);
    expect(portableExp(-800)).toBe(0);
    expect(portableExp(Number.NaN)).toBeNaN();
  });
});

describe('portableLog', () => {
  it('agrees with Math.log to a few ulps', () => {
    for (let x = 1e-6; x < 1e6; x *= 1.0731) {
      const expected = Math.log(x);
      expect(Math.abs(portableLog(x) - expected)).toBeLessThanOrEqual(4e-16 * Math.max(1, Math.abs(expected)));
    }
  });

  it('gives ln 1 = 0, ln 2 = LN2 and the edge values', () => {
    expect(portableLog(1)).toBe(0);
    expect(portableLog(2)).toBeCloseTo(Math.LN2, 15);
    expect(portableLog(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(portableLog(-1)).toBeNaN();
  });

  it('inverts portableExp on the aspect-ratio range [0.3, 1/0.3]', () => {
    for (const a of [0.3, 0.5, 1, 2, 1 / 0.3]) expect(portableExp(portableLog(a))).toBeCloseTo(a, 14);
  });
});

describe('roundHalfToEven', () => {
  it("rounds like Python's round(): ties go to the even neighbour", () => {
    // Python: round(0.5) = 0, round(1.5) = 2, round(2.5) = 2, round(3.5) = 4
    expect([0.5, 1.5, 2.5, 3.5].map(roundHalfToEven)).toEqual([0, 2, 2, 4]);
    // Math.round would give 3 for 2.5: the block sampler must not
    expect(Math.round(2.5)).toBe(3);
  });

  it('rounds non-ties to the nearest integer', () => {
    expect([0, 0.49, 0.51, 2.4999, 2.5001, 7].map(roundHalfToEven)).toEqual([0, 0, 1, 2, 3, 7]);
  });
});
