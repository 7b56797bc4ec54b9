import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';

/** The part of tfjs-backend-cpu's MathBackendCPU the native kernels use (its tensor storage). */
export interface CpuStorageBackend {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
  /** An output array from the backend's buffer pool (contents unspecified). */
  allocate?(length: number): Float32Array;
  /** Returns a temporary array from {@link allocate} that no tensor refers to. */
  recycle?(array: Float32Array): void;
  /** One more reference to a tensor's data (a kernel that returns its input's data). */
  incRef(dataId: object): void;
}

/** The dtypes whose tensors native kernels read and write, and the typed arrays that hold them. */
export type NativeDtype = 'float32' | 'int32' | 'bool';
export type TypedValues = Float32Array | Int32Array | Uint8Array;

/**
 * The values of a float32, int32 or bool tensor when they are held in that dtype's own array
 * (Float32Array, Int32Array, Uint8Array), else undefined (other dtypes, or data that a
 * tfjs-backend-cpu kernel left in another array: its Cast from bool to float32 keeps the bytes).
 */
export function typedValues(backend: CpuStorageBackend, info: tf.TensorInfo): TypedValues | undefined {
  const values = backend.data.get(info.dataId).values;
  return ownsValues(info.dtype, values) ? values : undefined;
}

/** True when `values` is the array type that holds `dtype` (Float32Array for float32, ...). */
export function ownsValues(dtype: tf.DataType, values: unknown): values is TypedValues {
  if (dtype === 'float32') return values instanceof Float32Array;
  if (dtype === 'int32') return values instanceof Int32Array;
  return dtype === 'bool' && values instanceof Uint8Array;
}

/**
 * An output array of `length` elements of `dtype` from the pool (an Int32Array or Uint8Array
 * over a pooled buffer: the pool counts views); contents unspecified. Bool arrays whose length is
 * not a multiple of 4 are fresh, so that every array's buffer is exactly its own size.
 */
export function allocateTyped(backend: CpuStorageBackend, dtype: NativeDtype, length: number): TypedValues {
  if (dtype === 'float32') return allocate(backend, length);
  if (dtype === 'int32') return new Int32Array(allocate(backend, length).buffer, 0, length);
  return length % 4 === 0 ? new Uint8Array(allocate(backend, length / 4).buffer, 0, length) : new Uint8Array(length);
}

/**
 * An output array of `length` floats for a native kernel, from the backend's pool: its contents are
 * unspecified, so the kernel must write every element.
 */
export function allocate(backend: CpuStorageBackend, length: number): Float32Array {
  return backend.allocate ? backend.allocate(length) : new Float32Array(length);
}

/** Gives a temporary from {@link allocate} back to the pool once the kernel is done with it. */
export function recycle(backend: CpuStorageBackend, array: Float32Array): void {
  backend.recycle?.(array);
}

/** What a native kernel is built from: the addon, and the cpu kernel it replaces (its fallback). */
export interface NativeKernelContext {
  readonly addon: NativeAddon;
  readonly fallback: tf.KernelFunc;
}

/** A native kernel: the tfjs kernel name and a factory of its kernel function. */
export interface NativeKernel {
  readonly kernelName: string;
  /**
   * The addon functions it calls that binaries built before them lack; with such a binary the
   * cpu kernel runs instead (and the fallback report says so).
   */
  readonly requires?: readonly (keyof NativeAddon)[];
  create(context: NativeKernelContext): tf.KernelFunc;
}

/** The Float32Array behind a float32 tensor, or undefined (other dtypes, or a non-float32 store). */
export function float32Values(backend: CpuStorageBackend, info: tf.TensorInfo): Float32Array | undefined {
  if (info.dtype !== 'float32') return undefined;
  const values = backend.data.get(info.dataId).values;
  return values instanceof Float32Array ? values : undefined;
}

/** The number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** The largest rank the addon accepts (kMaxRank in native/ops.h). */
export const MAX_NATIVE_RANK = 8;

/**
 * The broadcast shape of two inputs, or undefined when the native kernel should leave them to the
 * cpu kernel: shapes that do not broadcast (the cpu kernel then throws tfjs's own message) or a
 * result of a rank the addon does not take.
 */
export function nativeBroadcastShape(a: readonly number[], b: readonly number[]): number[] | undefined {
  let shape: number[];
  try {
    shape = tf.backend_util.assertAndGetBroadcastShape(a as number[], b as number[]);
  } catch {
    return undefined;
  }
  return shape.length > MAX_NATIVE_RANK ? undefined : shape;
}
