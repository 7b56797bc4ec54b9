import { describe, expect, it } from 'vitest';
import type { Rng } from '@selfsup/core';
import { fillBlocks, logAspectRange, type BlockShape } from './block-fill.js';
import { SslError } from '@selfsup/core';

/**
 * An Rng that replays `values` as its `next()` draws, with `uniform` and `integer` built on them as
 * Python's random does: uniform(a, b) = a + (b - a) u, randint-style integer(lo, hi) = lo + floor(u (hi - lo)).
 */
function scriptedRng(values: number[]): Rng & { remaining(): number } {
  let i = 0;
  const next = (): number => {
    if (i >= values.length) throw new Error(`scripted rng exhausted after ${values.length} draws`);
    return values[i++]!;
  };
  return {
    next,
    uniform: (low: number, high: number) => low + (high - low) * next(),
    integer: (low: number, high: number) => low + Math.floor(next() * (high - low)),
    remaining: () => values.length - i,
  } as unknown as Rng & { remaining(): number };
}

// aspect range [1, 1]: log-aspect draws are uniform(0, 0) = 0, so every block is square with
// side round(sqrt(area)); each attempt still consumes one value for the aspect ratio.
const square = (minPatchesPerBlock: number, maxPatchesPerBlock = Number.POSITIVE_INFINITY): BlockShape => ({
  minPatchesPerBlock,
  maxPatchesPerBlock,
  logAspectLow: 0,
  logAspectHigh: 0,
});

function rows(data: Uint8Array, width: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < data.length; i += width) out.push(Array.from(data.subarray(i, i + width)).join(''));
  return out;
}

describe('fillBlocks', () => {
  it('adds blocks until the target, rejecting blocks that add no new patch', () => {
    // 4x4 grid, target 6, min area 1. Draw order per attempt: area, aspect, top, left.
    const rng = scriptedRng([
      // block 1, budget 6: area 1 + 5 * 0.9 = 5.5, side round(2.345) = 2 < 4; top 0, left 0 -> 4 new
      0.9, 0.5, 0, 0,
      // block 2, budget 2: area 1 + 1 * 0.5 = 1.5, side 1 at (0, 0): already masked, 0 new -> rejected
      0.5, 0.5, 0, 0,
      //   attempt 2: area 1.99, side 1; top floor(0.75 * 4) = 3, left floor(0.5 * 4) = 2 -> 1 new
      0.99, 0.5, 0.75, 0.5,
      // block 3, budget 1: area 1, side 1 at (3, 3) -> 1 new; total 6 = target, stop
      0.3, 0.5, 0.99, 0.99,
    ]);
    const data = new Uint8Array(16);
    expect(fillBlocks(data, 0, 4, 4, 6, square(1), rng)).toBe(6);
    expect(rows(data, 4)).toEqual(['1100', '1100', '0000', '0011']);
    expect(rng.remaining()).toBe(0);
  });

  it('needs blocks strictly smaller than the grid and gives up after 10 rejected attempts', () => {
    // 3x3 grid, target 9, min area 1.
    const rng = scriptedRng([
      // block 1: area 1 + 8 * 0.99 = 8.92, side round(2.987) = 3, not < 3: rejected, no position drawn
      0.99, 0.5,
      //   attempt 2: area 5, side round(2.236) = 2; top floor(0.5 * 2) = 1, left 0 -> 4 new
      0.5, 0.5, 0.5, 0,
      // block 2, budget 5: ten attempts of area 1 at (1, 0), already masked -> delta 0, stop at 4
      ...Array.from({ length: 10 }, () => [0, 0.5, 0.5, 0]).flat(),
    ]);
    const data = new Uint8Array(9);
    expect(fillBlocks(data, 0, 3, 3, 9, square(1), rng)).toBe(4);
    expect(rows(data, 3)).toEqual(['000', '110', '110']);
    expect(rng.remaining()).toBe(0); // exactly 10 attempts: an 11th would have thrown
  });

  it('draws areas as Python uniform(min, budget) even when min > budget, and never passes the budget', () => {
    // 4x4 grid, target 2, min area 4 (> budget): area = 4 + (2 - 4) u.
    const rng = scriptedRng([
      // u = 0: area 4, side 2 -> 4 new > budget 2: rejected
      0, 0.5, 0, 0,
      // u = 0.99: area 2.02, side 1 at (0, 0) -> 1 new
      0.99, 0.5, 0, 0,
      // block 2, budget 1: u = 0.9: area 4 - 3 * 0.9 = 1.3, side 1 at (2, 1) -> 1 new; total 2
      0.9, 0.5, 0.5, 0.25,
    ]);
    const data = new Uint8Array(16);
    expect(fillBlocks(data, 0, 4, 4, 2, square(4), rng)).toBe(2);
    expect(rows(data, 4)).toEqual(['1000', '0000', '0100', '0000']);
  });

  it("rounds sides half to even, as Python's round does", () => {
    // min 7, budget 4: area 7 - 3 * 0.25 = 6.25 exactly, sqrt = 2.5 -> 2 (Math.round would say 3,
    // a 3x3 block of 9 > budget 4 that would be rejected). 2x2 at (1, 1) -> 4 = target.
    const rng = scriptedRng([0.25, 0.5, 0.5, 0.5]);
    const data = new Uint8Array(16);
    expect(fillBlocks(data, 0, 4, 4, 4, square(7), rng)).toBe(4);
    expect(rows(data, 4)).toEqual(['0000', '0110', '0110', '0000']);
  });

  it('caps each block at maxPatchesPerBlock (BEiT) and writes only its own image', () => {
    // 4x4 grid in a batch of 2 (offset 16), target 8, min 1, max 2 per block: budget min(8, 2) = 2.
    // u = 0.99: area 1 + 0.99 = 1.99 -> side 1, so blocks are single patches placed left to right.
    const draws: number[] = [];
    for (let k = 0; k < 8; k++) draws.push(0.99, 0.5, 0, k / 4 + 0.01 - (k >= 4 ? 1 : 0));
    const rng = scriptedRng(draws.map((u, i) => (i % 4 === 2 ? (i >= 16 ? 0.3 : 0) : u)));
    const data = new Uint8Array(32);
    expect(fillBlocks(data, 16, 4, 4, 8, square(1, 2), rng)).toBe(8);
    expect(rows(data, 4)).toEqual(['0000', '0000', '0000', '0000', '1111', '1111', '0000', '0000']);
  });
});

describe('logAspectRange', () => {
  it('returns the logarithms of a valid range and rejects a bad one', () => {
    const [low, high] = logAspectRange('x', [0.5, 2]);
    expect(low).toBeCloseTo(Math.log(0.5), 15);
    expect(high).toBeCloseTo(Math.log(2), 15);
    expect(() => logAspectRange('opts.aspectRatioRange', [2, 0.5])).toThrow(SslError);
    expect(() => logAspectRange('opts.aspectRatioRange', [0, 1])).toThrow(/opts.aspectRatioRange/);
  });
});
