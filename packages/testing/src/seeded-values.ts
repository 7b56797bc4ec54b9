/**
 * `size` float32 values uniform in `[low, high)` from a xorshift32 generator seeded with `seed`
 * (0 counts as 1), so that a failing comparison reproduces: the same seed gives the same values on
 * every machine and run.
 *
 * @example
 * ```ts
 * const g = tf.tensor(seededUniformValues(7, 40 * 96, -1, 1), [40, 96]);
 * ```
 */
export function seededUniformValues(seed: number, size: number, low: number, high: number): Float32Array {
  let state = seed >>> 0 || 1;
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    values[i] = low + ((state >>> 0) / 2 ** 32) * (high - low);
  }
  return values;
}
