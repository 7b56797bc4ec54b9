import { checkInteger, createRng, type Rng } from '@selfsup/core';

// murmur3's 32-bit finaliser: every input bit affects every output bit
function fmix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The 53-bit seed of one training iteration on one data-parallel rank: a hash of the run's seed,
 * the iteration and the rank, so that neighbouring iterations, seeds and ranks get unrelated
 * streams. Rank 0's seed is that of a single process (the rank enters the hash as `fmix32(rank)`,
 * which is 0 for rank 0), so one process and rank 0 of any world draw the same stream.
 *
 * @param seed - The run's seed, an integer in `[0, 2^53)`.
 * @param iteration - The global iteration, from 0.
 * @param rank - The data-parallel rank, from 0. @defaultValue 0
 * @example
 * ```ts
 * stepSeed(0, 12) === stepSeed(0, 12, 0); // true, on every machine
 * stepSeed(0, 12, 1) !== stepSeed(0, 12, 0); // rank 1 draws other crops and masks
 * ```
 */
export function stepSeed(seed: number, iteration: number, rank = 0): number {
  checkInteger('stepSeed(seed)', seed, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('stepSeed(iteration)', iteration, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('stepSeed(rank)', rank, 0, 0xffffffff);
  const seedLow = seed >>> 0;
  const seedHigh = Math.floor(seed / 0x100000000) >>> 0;
  const iterationLow = iteration >>> 0;
  const iterationHigh = Math.floor(iteration / 0x100000000) >>> 0;
  // fmix32 is a bijection with fmix32(0) = 0: distinct ranks give distinct words, rank 0 none
  const a = (fmix32(seedLow ^ fmix32(seedHigh + 0x9e3779b9)) ^ fmix32(rank)) >>> 0;
  const b = fmix32(iterationLow ^ fmix32(iterationHigh + 0x7f4a7c15) ^ Math.imul(a, 0x27d4eb2d));
  const c = fmix32(a ^ Math.imul(b, 0x165667b1) ^ 0x5bd1e995);
  // 21 high bits from c, 32 low bits from b: an integer in [0, 2^53)
  return (c >>> 11) * 0x100000000 + b;
}

/**
 * The randomness of one training iteration (views, masks, drop path) on one rank: a fresh
 * {@link Rng} seeded by `(seed, iteration, rank)` alone. Because it does not depend on what earlier
 * steps drew, a run resumed at iteration `i` draws exactly what the uninterrupted run drew there,
 * without replaying anything; because it depends on the rank, data-parallel ranks draw
 * independent crops and masks for their shards (as dinov2 seeds each rank with `seed + rank`).
 *
 * @param seed - The run's seed, an integer in `[0, 2^53)`.
 * @param iteration - The global iteration, from 0.
 * @param rank - The data-parallel rank (`communicator.rank`), from 0. @defaultValue 0 (one process)
 * @example
 * ```ts
 * const rng = stepRng(42, 1000); // the same stream whether or not the run was resumed
 * const rankOne = stepRng(42, 1000, 1); // rank 1's stream at that step
 * ```
 */
export function stepRng(seed: number, iteration: number, rank = 0): Rng {
  return createRng(stepSeed(seed, iteration, rank));
}
