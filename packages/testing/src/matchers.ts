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

/** Comparisons of tensors that live on a GPU, waiting for their values (see {@link expectClose}). */
const deferredChecks: Promise<void>[] = [];

/** True when `x` is a tensor that cannot be read synchronously: webgpu in Node.js has no `dataSync`. */
function needsAsyncRead(x: Values): boolean {
  return x instanceof tf.Tensor && tf.getBackend() === 'webgpu' && typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas === 'undefined';
}

/** A snapshot of `x`'s values, read with `await data()` (a clone keeps them while a variable moves on). */
function readLater(x: Values): Promise<{ shape?: readonly number[]; data: ArrayLike<number> }> {
  if (!(x instanceof tf.Tensor)) return Promise.resolve(valuesOf(x));
  const snapshot = tf.keep(tf.clone(x));
  return snapshot.data().then(
    (data) => {
      snapshot.dispose();
      return { shape: x.shape, data: data as ArrayLike<number> };
    },
    (error: unknown) => {
      snapshot.dispose();
      throw error;
    },
  );
}

/**
 * Waits for the comparisons {@link expectClose} deferred (tensors on webgpu in Node.js, where
 * `dataSync` throws) and throws the first failure. The test setup calls it after every test, so a
 * deferred mismatch fails the test that made it.
 */
export async function settleDeferredChecks(): Promise<void> {
  const results = await Promise.allSettled(deferredChecks.splice(0));
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
}

/**
 * Asserts that `actual` matches `expected` element-wise within `atol + rtol * |expected|`, and that
 * shapes agree when both have one. The failure names the worst element and the error statistics.
 * On webgpu in Node.js, a tensor's values can only be read asynchronously: the comparison then runs
 * when they arrive and fails the test after it ends (see {@link settleDeferredChecks}).
 */
export function expectClose(actual: Values, expected: Values, tolerance: Tolerance = {}, label = 'values'): void {
  if (needsAsyncRead(actual) || needsAsyncRead(expected)) {
    const values = Promise.all([readLater(actual), readLater(expected)]);
    deferredChecks.push(values.then(([a, e]) => compareValues(a, e, tolerance, label)));
    return;
  }
  compareValues(valuesOf(actual), valuesOf(expected), tolerance, label);
}

function compareValues(
  a: { shape?: readonly number[]; data: ArrayLike<number> },
  e: { shape?: readonly number[]; data: ArrayLike<number> },
  tolerance: Tolerance,
  label: string,
): void {
  const { rtol = 1e-5, atol = 1e-6 } = tolerance;
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

/**
 * Asserts that `actual` holds the same floats as `expected`, bit for bit: `Object.is` per element,
 * so NaN equals NaN and -0 differs from 0. The failure names the first differing element. For host
 * arrays (read tensors first).
 */
export function expectBitwiseEqual(actual: ArrayLike<number>, expected: ArrayLike<number>, label = 'values'): void {
  if (actual.length !== expected.length) throw new Error(`${label}: ${actual.length} values, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      throw new Error(`${label}: first differing element ${i}: got ${actual[i]}, expected ${expected[i]} (bit for bit)`);
    }
  }
}
