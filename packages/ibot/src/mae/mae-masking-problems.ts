import type { ConfigProblem } from '../config-problem.js';

/**
 * MAE's masking rule: the random mask removes `N - floor(N * (1 - ratio))` of the `N` patches of a
 * crop, and the loss is the error on the removed ones, so at least one must be removed.
 */
export function maeMaskingProblems(ratio: number, size: number, patchSize: number): ConfigProblem[] {
  if (size % patchSize !== 0) return []; // the crop rule reports it
  const patches = (size / patchSize) ** 2;
  const removed = patches - Math.floor(patches * (1 - ratio));
  if (removed >= 1) return [];
  return [{ key: 'masking.ratio', expected: `a share that removes at least 1 of the ${patches} patches of a crop (>= ${(1 / patches).toPrecision(3)})`, actual: ratio }];
}
