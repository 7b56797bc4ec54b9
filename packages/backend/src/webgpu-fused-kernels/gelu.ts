import type * as tf from '@tensorflow/tfjs-core';
import { checkFloat32 } from './fused-kernel-inputs.js';
import { GeluProgram } from './gelu-program.js';
import type { WebgpuKernelBackend } from './webgpu-program.js';

/** The fused GELU kernel's name (the contract of @selfsup/backbones' fused-kernel.ts). */
export const SELFSUP_GELU = 'SelfsupGelu';

/** `info` seen as a flat `[size]` vector (the same buffer; nothing is copied). */
export function flat(info: tf.TensorInfo): tf.TensorInfo {
  return { dataId: info.dataId, dtype: info.dtype, shape: [info.shape.reduce((a, b) => a * b, 1)] };
}

/**
 * `SelfsupGelu` on webgpu: inputs `{ x }` (float32, any shape), output `[y]` of x's shape, the
 * exact (erf) GELU `y = x * Phi(x)` in one dispatch (the composite formula takes 5). Phi's error
 * bound is in normal-cdf-wgsl.ts.
 */
export function geluWebgpu(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WebgpuKernelBackend;
  const x = checkFloat32(SELFSUP_GELU, 'x', args.inputs.x);
  const input = flat(x);
  const y = backend.runWebGPUProgram(new GeluProgram('value', input.shape[0]!), [input], 'float32');
  return { dataId: y.dataId, dtype: y.dtype, shape: [...x.shape] };
}

/** The kernel's registration for the `webgpu` backend. */
export const geluWebgpuConfig: tf.KernelConfig = {
  kernelName: SELFSUP_GELU,
  backendName: 'webgpu',
  kernelFunc: geluWebgpu as unknown as tf.KernelFunc,
};
