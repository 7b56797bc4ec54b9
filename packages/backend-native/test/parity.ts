// Helpers for the parity tests: run the same computation on tfjs-backend-cpu and on the native
// backend from the same input values, and compare.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { NATIVE_BACKEND_NAME, isNativeAvailable, nativeBuildInfo, registerNativeBackend, type NativeGemm, type NativeIsa } from '../src/index.js';

/** Registers the native backend once (tests skip themselves when the addon is not built). */
export const nativeReady: boolean = isNativeAvailable() && (await registerNativeBackend());

/** A tensor description made of plain values, created afresh on each backend. */
export interface Input {
  readonly shape: number[];
  readonly values: Float32Array | Int32Array | Uint8Array;
  /** @defaultValue int32 for an Int32Array, bool for a Uint8Array, else float32 */
  readonly dtype?: 'float32' | 'int32' | 'bool';
}

function inputDtype(input: Input): 'float32' | 'int32' | 'bool' {
  return input.dtype ?? (input.values instanceof Int32Array ? 'int32' : input.values instanceof Uint8Array ? 'bool' : 'float32');
}

/** A deterministic pseudo-random generator (mulberry32); uniform in [lo, hi). */
export function random(seed: number): (lo?: number, hi?: number) => number {
  let a = seed >>> 0;
  return (lo = -1, hi = 1) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  };
}

/** A float32 input of `shape` with values uniform in [lo, hi). */
export function uniform(shape: number[], seed: number, lo = -1, hi = 1): Input {
  const next = random(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = next(lo, hi);
  return { shape, values };
}

type Outputs = tf.Tensor | tf.Tensor[];

/** Runs `fn` on `backend` with fresh tensors made from `inputs`; returns the outputs' values and shapes. */
export async function runOn(
  backend: string,
  inputs: readonly Input[],
  fn: (...xs: tf.Tensor[]) => Outputs,
): Promise<{ shape: number[]; dtype: tf.DataType; values: Float32Array | Int32Array | Uint8Array }[]> {
  await tf.setBackend(backend);
  if (tf.getBackend() !== backend) throw new Error(`could not switch to backend ${backend}`);
  const xs = inputs.map((i) => tf.tensor(i.values.slice(), i.shape, inputDtype(i)));
  const out = fn(...xs);
  const list = Array.isArray(out) ? out : [out];
  const result = list.map((t) => ({ shape: t.shape.slice(), dtype: t.dtype, values: (t.dataSync() as Float32Array).slice() }));
  tf.dispose([...xs, ...list]);
  return result;
}

type RunOutput = Awaited<ReturnType<typeof runOn>>[number];

/**
 * Runs `fn` on cpu, then on the native backend, checks they give as many outputs, and hands each
 * pair (cpu, native, index) to `compare`; the previous backend is restored afterwards.
 */
async function compareOutputs(
  inputs: readonly Input[],
  fn: (...xs: tf.Tensor[]) => Outputs,
  label: string,
  compare: (expected: RunOutput, actual: RunOutput, output: number) => void,
): Promise<void> {
  const previous = tf.getBackend();
  try {
    const expected = await runOn('cpu', inputs, fn);
    const actual = await runOn(NATIVE_BACKEND_NAME, inputs, fn);
    expect(actual.length, `${label}: number of outputs`).toBe(expected.length);
    expected.forEach((e, o) => compare(e, actual[o]!, o));
  } finally {
    await tf.setBackend(previous);
  }
}

/**
 * Runs `fn` on cpu and on the native backend and asserts equal shapes and values within
 * `rtol * max(|cpu value|, scale)`: `scale` (per element, optional) is the magnitude of the terms
 * that were summed (|A| |B| for a matrix product), so results that cancel to near zero are judged
 * against the size of what was added, as floating-point error bounds are.
 */
export async function expectParity(
  inputs: readonly Input[],
  fn: (...xs: tf.Tensor[]) => Outputs,
  options: { rtol?: number; scale?: (outputIndex: number) => ArrayLike<number> | undefined; label?: string } = {},
): Promise<void> {
  const { rtol = 1e-5, label = 'outputs' } = options;
  await compareOutputs(inputs, fn, label, (e, a, o) => {
    expect(a.shape, `${label}[${o}]: shape`).toEqual(e.shape);
    const scale = options.scale?.(o);
    let worst = -1;
    let failures = 0;
    for (let i = 0; i < e.values.length; i++) {
      const ev = e.values[i]!;
      const av = a.values[i]!;
      if (Number.isNaN(ev) && Number.isNaN(av)) continue;
      if (ev === av) continue;
      const bound = rtol * Math.max(Math.abs(ev), scale ? Math.abs(scale[i]!) : 0);
      if (!(Math.abs(av - ev) <= bound)) {
        failures++;
        if (worst < 0) worst = i;
      }
    }
    if (failures > 0) {
      throw new Error(`${label}[${o}]: ${failures}/${e.values.length} values differ beyond rtol ${rtol}; first at ${worst}: native ${a.values[worst]}, cpu ${e.values[worst]}`);
    }
  });
}

/** The instruction sets this machine can run (the best first), for running every kernel family. */
export function runnableIsas(): NativeIsa[] {
  const detected = nativeBuildInfo().addon?.detectedIsa;
  return detected === 'avx512' ? ['avx512', 'avx2', 'generic'] : detected === 'avx2' ? ['avx2', 'generic'] : ['generic'];
}

/** The GEMM engines available here. */
export function availableGemms(): NativeGemm[] {
  return nativeBuildInfo().addon?.openblasAvailable ? ['builtin', 'openblas'] : ['builtin'];
}

/** Reconfigures the native backend for one test, and back to the defaults afterwards. */
export async function withConfig<T>(config: { isa?: NativeIsa; gemm?: NativeGemm; threads?: number }, body: () => Promise<T>): Promise<T> {
  await registerNativeBackend(config);
  try {
    return await body();
  } finally {
    await registerNativeBackend();
  }
}

/**
 * Runs `fn` on cpu and on the native backend and asserts the same dtypes, shapes and values, bit
 * for bit as numbers (NaN equals NaN, 0 and -0 differ; the arrays may be of different types, as
 * tfjs-backend-cpu keeps some casts in their input's array).
 */
export async function expectSame(inputs: readonly Input[], fn: (...xs: tf.Tensor[]) => Outputs, label = 'outputs'): Promise<void> {
  await compareOutputs(inputs, fn, label, (e, a, o) => {
    expect(a.dtype, `${label}[${o}]: dtype`).toBe(e.dtype);
    expect(a.shape, `${label}[${o}]: shape`).toEqual(e.shape);
    expect(a.values.length, `${label}[${o}]: length`).toBe(e.values.length);
    for (let i = 0; i < e.values.length; i++) {
      if (!Object.is(a.values[i], e.values[i])) throw new Error(`${label}[${o}]: first difference at ${i}: native ${a.values[i]}, cpu ${e.values[i]}`);
    }
  });
}
