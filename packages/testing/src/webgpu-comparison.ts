import * as tf from '@tensorflow/tfjs-core';
import { isSslError, type Rng } from '@selfsup/core';
import { useBackend, type BackendName } from '@selfsup/backend';
import { expectClose, type Tolerance } from './matchers.js';

/** A tensor's values on the host, to feed both backends the same inputs. */
export interface HostTensor {
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32' | 'bool';
  readonly data: Float32Array | Int32Array | Uint8Array;
}

/** A float32 tensor of `shape` with values uniform in `[low, high)`. */
export function uniformTensor(rng: Rng, shape: readonly number[], low = -1, high = 1): HostTensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(low, high);
  return { shape, dtype: 'float32', data };
}

/** An int32 tensor of `shape` with values uniform in `[low, high)`. */
export function integerTensor(rng: Rng, shape: readonly number[], low: number, high: number): HostTensor {
  const data = new Int32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.integer(low, high);
  return { shape, dtype: 'int32', data };
}

/** What {@link startWebgpu} found. */
export interface WebgpuStart {
  readonly available: boolean;
  /** The adapter in use, or why there is none. */
  readonly reason: string;
}

/** The minimal part of tfjs-backend-webgpu's backend that error scopes need. */
interface ErrorScopes {
  pushErrorScope(filter: 'validation' | 'out-of-memory' | 'internal'): void;
  popErrorScope(): Promise<{ message: string } | null>;
}

/**
 * Starts the `webgpu` backend for a test that compares it with `cpu`: with `SELFSUP_WEBGPU_BACKEND`
 * as set, else (no hardware adapter) with Dawn's OpenGL ES backend on Mesa's software rasteriser.
 * Leaves the backend the test process started on active.
 */
export async function startWebgpu(): Promise<WebgpuStart> {
  const initial = tf.getBackend() as string;
  try {
    let info;
    try {
      info = await useBackend('webgpu');
    } catch (error) {
      if (!isSslError(error, 'BACKEND_UNAVAILABLE') || process.env.SELFSUP_WEBGPU_BACKEND !== undefined) throw error;
      process.env.SELFSUP_WEBGPU_BACKEND = 'opengles';
      info = await useBackend('webgpu');
    }
    return { available: true, reason: info.reason.replace(/^requested; /, '') + (info.adapter ? `: ${info.adapter.device || info.adapter.description}` : '') };
  } catch (error) {
    if (!isSslError(error, 'BACKEND_UNAVAILABLE')) throw error;
    return { available: false, reason: error.message };
  } finally {
    await useBackend(initial === 'selfsup-native' ? 'native' : (initial as BackendName));
  }
}

function errorScopes(): ErrorScopes | undefined {
  const device = (tf.backend() as unknown as { device?: ErrorScopes }).device;
  return typeof device?.pushErrorScope === 'function' ? device : undefined;
}

/**
 * Runs `fn` on `backend` with fresh tensors made from `inputs` and returns its outputs read with
 * `await data()`. On webgpu, a validation, out-of-memory or internal error of the device during the
 * run (an invalid pipeline leaves stale values behind and says nothing else) fails the call.
 */
export async function computeOn(
  backend: 'cpu' | 'webgpu',
  fn: (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  inputs: readonly HostTensor[],
): Promise<HostTensor[]> {
  await useBackend(backend);
  const scopes = errorScopes();
  const filters = ['validation', 'out-of-memory', 'internal'] as const;
  if (scopes) for (const filter of filters) scopes.pushErrorScope(filter);
  const tensors = inputs.map((input) => tf.tensor(input.data, [...input.shape], input.dtype));
  const before = tf.memory().numTensors;
  let outputs: tf.Tensor[];
  try {
    // Intermediates of `fn` are freed by the tidy; a kernel that leaks its own would still show.
    outputs = tf.tidy(() => {
      const result = fn(...tensors);
      return Array.isArray(result) ? result : [result];
    });
  } finally {
    tf.dispose(tensors);
  }
  const values = await Promise.all(outputs.map((output) => output.data()));
  const read = outputs.map((output, i) => ({ shape: output.shape, dtype: output.dtype as HostTensor['dtype'], data: values[i] as HostTensor['data'] }));
  tf.dispose(outputs);
  const leaked = tf.memory().numTensors - (before - tensors.length);
  if (scopes) {
    const errors = [];
    for (let i = 0; i < filters.length; i++) errors.push(await scopes.popErrorScope());
    const first = errors.find((error) => error !== null);
    if (first) throw new Error(`webgpu reported a device error: ${first.message}`);
  }
  if (leaked !== 0) throw new Error(`${backend}: the computation left ${leaked} tensor(s) behind`);
  return read;
}

/**
 * Asserts that `fn` gives the same outputs on webgpu as on cpu, element-wise within `tolerance`
 * (`|webgpu - cpu| <= atol + rtol |cpu|`), with the same shapes and dtypes.
 */
export async function expectWebgpuMatchesCpu(
  label: string,
  fn: (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  inputs: readonly HostTensor[],
  tolerance: Tolerance,
): Promise<void> {
  const expected = await computeOn('cpu', fn, inputs);
  const actual = await computeOn('webgpu', fn, inputs);
  if (actual.length !== expected.length) throw new Error(`${label}: ${actual.length} outputs on webgpu, ${expected.length} on cpu`);
  for (let i = 0; i < expected.length; i++) {
    const name = expected.length === 1 ? label : `${label} output ${i}`;
    if (actual[i]!.dtype !== expected[i]!.dtype) throw new Error(`${name}: dtype ${actual[i]!.dtype} on webgpu, ${expected[i]!.dtype} on cpu`);
    expectClose(actual[i]!, expected[i]!, tolerance, name);
  }
}
