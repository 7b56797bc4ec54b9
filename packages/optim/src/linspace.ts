import { checkInteger, checkNumber } from '@selfsup/core';

/**
 * `count` evenly spaced numbers from `start` to `stop`, both included, computed exactly as
 * `numpy.linspace(start, stop, count)`: `start + i * step` with `step = (stop - start) / (count - 1)`,
 * and the last value set to `stop` itself. `count = 1` gives `[start]`; `count = 0` gives `[]`.
 *
 * @example
 * ```ts
 * linspace(0, 1, 5); // Float64Array [0, 0.25, 0.5, 0.75, 1]
 * ```
 */
export function linspace(start: number, stop: number, count: number): Float64Array {
  checkNumber('linspace(start)', start);
  checkNumber('linspace(stop)', stop);
  checkInteger('linspace(count)', count, 0);
  const out = new Float64Array(count);
  const divisions = count - 1;
  const delta = stop - start;
  if (divisions > 0) {
    const step = delta / divisions;
    for (let i = 0; i < count; i++) out[i] = step === 0 ? (i / divisions) * delta + start : i * step + start;
    out[count - 1] = stop;
  } else if (count === 1) {
    out[0] = start;
  }
  return out;
}
