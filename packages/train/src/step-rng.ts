import { checkInteger, createRng, type Rng } from '@selfsup/core';

// murmur3's 32-bit finaliser: every input bit affects every output bit
function fmix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The 53-bit seed of one training iteration: a hash of the run's seed and the iteration, so that
 * neighbouring iterations (and neighbouring seeds) get unrelated streams.
 *
 * @example
 * ```ts
 * stepSeed(0, 12) === stepSeed(0, 12); // true, on every machine
 * ```
 */
export function stepSeed(seed: number, iteration: number): number {
  checkInteger('stepSeed(seed)', seed, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('stepSeed(iteration)', iteration, 0, Number.MAX_SAFE_INTEGER);
  const seedLow = seed >>> 0;
  const seedHigh = Math.floor(seed / 0x100000000) >>> 0;
  const iterationLow = iteration >>> 0;
  const iterationHigh = Math.floor(iteration / 0x100000000) >>> 0;
  const a = fmix32(seedLow ^ fmix32(seedHigh + 0x9e3779b9));
  const b = fmix32(iterationLow ^ fmix32(iterationHigh + 0x7f4a7c15) ^ Math.imul(a, 0x27d4eb2d));
  const c = fmix32(a ^ Math.imul(b, 0x165667b1) ^ 0x5bd1e995);
  // 21 high bits from c, 32 low bits from b: an integer in [0, 2^53)
  return (c >>> 11) * 0x100000000 + b;
}

/**
 * The randomness of one training iteration (views, masks, drop path): a fresh {@link Rng} seeded
 * by `(seed, iteration)` alone. Because it does not depend on what earlier steps drew, a run resumed
 * at iteration `i` draws exactly what the uninterrupted run drew there, without replaying anything.
 *
 * @param seed - The run's seed, an integer in `[0, 2^53)`.
 * @param iteration - The global iteration, from 0.
 * @example
 * ```ts
 * const rng = stepRng(42, 1000); // the same stream whether or not the run was resumed
 * ```
 */
export function stepRng(seed: number, iteration: number): Rng {
  return createRng(stepSeed(seed, iteration));
}
