import * as tf from '@tensorflow/tfjs-core';

/** Tolerances of {@link expectClose}: `|a - e| <= atol + rtol * |e|` element-wise. */
export interface Tolerance {
  rtol?: number;
  atol?: number;
}

type Values = tf.Tensor | ArrayLike<number> | { shape: readonly number[]; data: ArrayLike<number> };

function valuesOf(x: Values): { shape?: readonly number[]; data: ArrayLike<number> } {
  if (x instanceof tf.Tensor) return { shape: x.shape, data: x.dataSync() as Float32Array };
  if ('shape' in x && 'data' in x) return { shape: x.shape, data: x.data };
  return { data: x as ArrayLike<number> };
}

/**
 * Asserts that `actual` matches `expected` element-wise within `atol + rtol * |expected|`, and that
 * shapes agree when both have one. The failure names the worst element and the error statistics.
 */
export function expectClose(actual: Values, expected: Values, tolerance: Tolerance = {}, label = 'values'): void {
  const { rtol = 1e-5, atol = 1e-6 } = tolerance;
  const a = valuesOf(actual);
  const e = valuesOf(expected);
  if (a.shape && e.shape && (a.shape.length !== e.shape.length || a.shape.some((d, i) => d !== e.shape![i]))) {
    throw new Error(`${label}: shape [${a.shape.join(', ')}] differs from expected [${e.shape.join(', ')}]`);
  }
  if (a.data.length !== e.data.length) {
    throw new Error(`${label}: ${a.data.length} values, expected ${e.data.length}`);
  }
  let worst = -1;
  let worstExcess = 0;
  let maxAbs = 0;
  let failures = 0;
  for (let i = 0; i < a.data.length; i++) {
    const av = a.data[i]!;
    const ev = e.data[i]!;
    const diff = Math.abs(av - ev);
    if (!(diff <= atol + rtol * Math.abs(ev))) {
      failures++;
      const excess = Number.isNaN(diff) ? Infinity : diff / (atol + rtol * Math.abs(ev));
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = i;
      }
    }
    if (diff > maxAbs) maxAbs = diff;
  }
  if (failures > 0) {
    throw new Error(
      `${label}: ${failures}/${a.data.length} values differ beyond atol ${atol} + rtol ${rtol}; ` +
        `worst at flat index ${worst}: got ${a.data[worst]}, expected ${e.data[worst]}; max abs diff ${maxAbs}`,
    );
  }
}

/** The largest absolute difference between two arrays of equal length. */
export function maxAbsDiff(actual: Values, expected: Values): number {
  const a = valuesOf(actual).data;
  const e = valuesOf(expected).data;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - e[i]!));
  return m;
}
