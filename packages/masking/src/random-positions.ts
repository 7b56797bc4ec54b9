import type { Rng } from '@selfsup/core';

/**
 * Sets `count` distinct positions of `data[offset .. offset + size)` to 1, all subsets equally
 * likely (a partial Fisher-Yates shuffle over `scratch`, which must hold `size` entries).
 * Internal to the `rand` and SimMIM samplers.
 */
export function maskRandomPositions(
  data: Uint8Array,
  offset: number,
  size: number,
  count: number,
  rng: Rng,
  scratch: Int32Array,
): void {
  for (let i = 0; i < size; i++) scratch[i] = i;
  for (let i = 0; i < count; i++) {
    const j = rng.integer(i, size);
    const picked = scratch[j]!;
    scratch[j] = scratch[i]!;
    scratch[i] = picked;
    data[offset + picked] = 1;
  }
}
