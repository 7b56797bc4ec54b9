import type * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';

/** The part of tfjs-backend-cpu's MathBackendCPU the native kernels use (its tensor storage). */
export interface CpuStorageBackend {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
  /** An output array from the backend's buffer pool (contents unspecified). */
  allocate?(length: number): Float32Array;
  /** Returns a temporary array from {@link allocate} that no tensor refers to. */
  recycle?(array: Float32Array): void;
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
