import type * as tf from '@tensorflow/tfjs-core';

/**
 * A compute program for tfjs-backend-webgpu 4.22's `runWebGPUProgram` (its `WebGPUProgram`
 * interface, typed here so that @selfsup/backend's declarations do not depend on the optional
 * package). The backend prepends the bindings (`result`, one read-only storage array per name of
 * `variableNames`, `uniforms` with every input's and the output's shape) and helpers
 * (`setOutputAtIndex`, `getGlobalIndex`, `localIndex`, ...) to `getUserCode()`'s WGSL, and caches
 * the pipeline by `shaderKey` plus the inputs' ranks and dtypes.
 */
export interface WebgpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  /** Adds `size : i32` (the output's element count) to the uniforms. */
  size?: boolean;
  /** WGSL struct members appended to the uniforms, set by `runWebGPUProgram`'s 4th argument. */
  uniforms?: string;
  getUserCode(): string;
}

/** A value for one member of {@link WebgpuProgram.uniforms}. */
export interface ProgramUniform {
  type: 'float32' | 'int32' | 'uint32';
  data: number[];
}

/** The parts of tfjs-backend-webgpu 4.22's `WebGPUBackend` the fused kernels use. */
export interface WebgpuKernelBackend {
  device: { limits: Readonly<Record<string, number>> };
  runWebGPUProgram(program: WebgpuProgram, inputs: tf.TensorInfo[], outputDtype: tf.DataType, uniforms?: ProgramUniform[]): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

/** Invocations per workgroup of the element-wise programs (as tfjs-backend-webgpu's unary ops). */
export const ELEMENTWISE_WORKGROUP_SIZE = 128;

/** The most invocations one workgroup of this device may have along x (both limits apply). */
export function maxWorkgroupSize(backend: WebgpuKernelBackend): number {
  const limits = backend.device.limits;
  return Math.min(limits.maxComputeInvocationsPerWorkgroup ?? 256, limits.maxComputeWorkgroupSizeX ?? 256);
}

/** `count` workgroups along x; tfjs-backend-webgpu folds it into y (and z) past the per-dimension limit. */
export function workgroupsAlongX(count: number): [number, number, number] {
  return [Math.max(1, count), 1, 1];
}
