import { SslError } from './ssl-error.js';
import { checkInteger } from './invariant.js';

/** The serialisable state of an {@link Rng}: four 32-bit words of xoshiro128**. */
export interface RngState {
  readonly algorithm: 'xoshiro128**';
  readonly words: readonly [number, number, number, number];
}

/**
 * A seeded pseudo-random number generator (xoshiro128**, seeded through splitmix32). It uses only
 * 32-bit integer arithmetic (`Math.imul`, shifts), so a seed gives the same stream on every
 * platform and JavaScript engine. Every stochastic function in selfsup takes one: nothing reads
 * the global `Math` random source.
 */
export interface Rng {
  /** A uniform integer in `[0, 2^32)`. */
  nextUint32(): number;
  /** A uniform float in `[0, 1)` with 53 random bits. */
  next(): number;
  /** A uniform float in `[low, high)`. */
  uniform(low: number, high: number): number;
  /** A uniform integer in `[low, high)` (no modulo bias). */
  integer(low: number, high: number): number;
  /** A normal sample (Box-Muller). @defaultValue mean 0, std 1 */
  normal(mean?: number, std?: number): number;
  /** True with probability `p`. */
  bernoulli(p: number): boolean;
  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [index: number]: unknown }>(items: T): T;
  /** A random permutation of `0..n-1`. */
  permutation(n: number): Int32Array;
  /** Fills `out` with uniform floats in `[0, 1)` and returns it. */
  fillUniform<T extends Float32Array | Float64Array>(out: T): T;
  /** A new generator whose stream is independent of this one's continuation; advances this one. */
  fork(): Rng;
  /** The state to save in a checkpoint. */
  getState(): RngState;
  /** Restores a state from {@link Rng.getState}. */
  setState(state: RngState): void;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

class Xoshiro128 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(words: readonly [number, number, number, number]) {
    [this.a, this.b, this.c, this.d] = words.map((w) => w >>> 0) as [number, number, number, number];
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1; // the all-zero state is a fixed point
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  integer(low: number, high: number): number {
    checkInteger('rng.integer(low)', low);
    checkInteger('rng.integer(high)', high, low + 1);
    const range = high - low;
    if (range <= 0x100000000) {
      // rejection sampling on 32 bits: unbiased
      const limit = 0x100000000 - (0x100000000 % range);
      let x = this.nextUint32();
      while (x >= limit) x = this.nextUint32();
      return low + (x % range);
    }
    return low + Math.floor(this.next() * range);
  }

  normal(mean = 0, std = 1): number {
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  shuffle<T extends { length: number; [index: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.integer(0, i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  permutation(n: number): Int32Array {
    checkInteger('rng.permutation(n)', n, 0);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }

  fillUniform<T extends Float32Array | Float64Array>(out: T): T {
    for (let i = 0; i < out.length; i++) {
      // float32 targets: 24 bits keep values strictly below 1 after rounding
      out[i] = out instanceof Float32Array ? (this.nextUint32() >>> 8) / 16777216 : this.next();
    }
    return out;
  }

  fork(): Rng {
    const mix = splitmix32(this.nextUint32() ^ Math.imul(this.nextUint32(), 0x27d4eb2d));
    return new Xoshiro128([mix(), mix(), mix(), mix()]);
  }

  getState(): RngState {
    return { algorithm: 'xoshiro128**', words: [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0] };
  }

  setState(state: RngState): void {
    validateState(state);
    [this.a, this.b, this.c, this.d] = state.words.map((w) => w >>> 0) as [number, number, number, number];
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function validateState(state: RngState): void {
  const ok =
    state !== null &&
    typeof state === 'object' &&
    state.algorithm === 'xoshiro128**' &&
    Array.isArray(state.words) &&
    state.words.length === 4 &&
    state.words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff);
  if (!ok) {
    throw new SslError(
      'CHECKPOINT_INCOMPATIBLE',
      `Rng state: expected { algorithm: "xoshiro128**", words: four unsigned 32-bit integers }, got ${JSON.stringify(state)}. ` +
        'Pass a value returned by rng.getState().',
    );
  }
}

/**
 * Creates a seeded {@link Rng}. Seeds are integers in `[0, 2^53)`; the same seed gives the same
 * stream everywhere.
 *
 * @example
 * ```ts
 * const rng = createRng(42);
 * rng.next(); // the same number on every machine
 * ```
 */
export function createRng(seed: number): Rng {
  checkInteger('createRng(seed)', seed, 0, Number.MAX_SAFE_INTEGER);
  const low = seed >>> 0;
  const high = Math.floor(seed / 0x100000000) >>> 0;
  const mix = splitmix32(low ^ Math.imul(high, 0x9e3779b1));
  const mixHigh = splitmix32(high + 0x6a09e667);
  return new Xoshiro128([mix(), mix() ^ mixHigh(), mix(), mix() ^ mixHigh()]);
}

/** Re-creates an {@link Rng} from a saved {@link RngState}. */
export function restoreRng(state: RngState): Rng {
  validateState(state);
  return new Xoshiro128(state.words as [number, number, number, number]);
}
