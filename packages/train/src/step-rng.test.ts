import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/core';
import { stepRng, stepSeed } from './step-rng.js';

function draws(seed: number, iteration: number, count = 4): number[] {
  const rng = stepRng(seed, iteration);
  return Array.from({ length: count }, () => rng.nextUint32());
}

describe('stepRng', () => {
  it('depends on (seed, iteration) only', () => {
    expect(draws(3, 17)).toEqual(draws(3, 17));
    expect(stepRng(3, 17).getState()).toEqual(createRng(stepSeed(3, 17)).getState());
  });

  it('gives neighbouring iterations and seeds unrelated streams', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 4; seed++) {
      for (let iteration = 0; iteration < 64; iteration++) seen.add(draws(seed, iteration).join(','));
    }
    expect(seen.size).toBe(4 * 64);
    // seed 1 at iteration 0 is not seed 0 at iteration 1 (no seed + iteration shortcut)
    expect(stepSeed(1, 0)).not.toBe(stepSeed(0, 1));
    // uniform-looking: the mean of 4096 first draws in [0, 1) is near 0.5 (std 0.0045)
    let sum = 0;
    for (let i = 0; i < 4096; i++) sum += stepRng(7, i).next();
    expect(Math.abs(sum / 4096 - 0.5)).toBeLessThan(0.02);
  });

  it('gives 53-bit seeds and rejects invalid arguments', () => {
    for (let i = 0; i < 100; i++) {
      const s = stepSeed(Number.MAX_SAFE_INTEGER - i, i * 1e9);
      expect(Number.isSafeInteger(s) && s >= 0).toBe(true);
    }
    expect(() => stepSeed(-1, 0)).toThrow(/stepSeed\(seed\)/);
    expect(() => stepSeed(0, 1.5)).toThrow(/stepSeed\(iteration\)/);
    expect(() => stepSeed(0, 0, -1)).toThrow(/stepSeed\(rank\)/);
  });

  it('gives each data-parallel rank its own stream, rank 0 that of one process', () => {
    // rank 0 is the single-process stream (so a world of one changes nothing, and old checkpoints resume)
    expect(stepSeed(5, 9, 0)).toBe(stepSeed(5, 9));
    expect(stepRng(5, 9, 0).getState()).toEqual(stepRng(5, 9).getState());
    const seen = new Set<number>();
    for (let rank = 0; rank < 16; rank++) {
      for (let iteration = 0; iteration < 64; iteration++) seen.add(stepSeed(5, iteration, rank));
    }
    expect(seen.size).toBe(16 * 64);
    // no seed + rank shortcut: rank 1 of seed 0 is not rank 0 of seed 1
    expect(stepSeed(0, 3, 1)).not.toBe(stepSeed(1, 3, 0));
    // uncorrelated: ranks 0 and 1 agree on a draw below 0.5 about half the time
    let agree = 0;
    for (let i = 0; i < 4096; i++) agree += Number(stepRng(7, i, 0).next() < 0.5 === stepRng(7, i, 1).next() < 0.5);
    expect(Math.abs(agree / 4096 - 0.5)).toBeLessThan(0.03);
  });
});
