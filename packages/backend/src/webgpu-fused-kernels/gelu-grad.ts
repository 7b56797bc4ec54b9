import type * as tf from '@tensorflow/tfjs-core';
import { checkFloat32, checkShape } from './fused-kernel-inputs.js';
import { flat } from './gelu.js';
import { GeluProgram } from './gelu-program.js';
import type { WebgpuKernelBackend } from './webgpu-program.js';

/** The fused GELU gradient kernel's name (the contract of @selfsup/backbones' fused-kernel.ts). */
export const SELFSUP_GELU_GRAD = 'SelfsupGeluGrad';

/**
 * `SelfsupGeluGrad` on webgpu: inputs `{ dy, x }` (float32, the same shape), output `[dx]`,
 * `dx = dy * (Phi(x) + x * phi(x))` in one dispatch (the composite gradient takes about 9).
 */
export function geluGradWebgpu(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WebgpuKernelBackend;
  const x = checkFloat32(SELFSUP_GELU_GRAD, 'x', args.inputs.x);
  const dy = checkShape(SELFSUP_GELU_GRAD, 'dy', args.inputs.dy, x.shape, 'the gradient of y, shaped as x');
  const input = flat(x);
  const dx = backend.runWebGPUProgram(new GeluProgram('grad', input.shape[0]!), [flat(dy), input], 'float32');
  return { dataId: dx.dataId, dtype: dx.dtype, shape: [...x.shape] };
}

/** The kernel's registration for the `webgpu` backend. */
export const geluGradWebgpuConfig: tf.KernelConfig = {
  kernelName: SELFSUP_GELU_GRAD,
  backendName: 'webgpu',
  kernelFunc: geluGradWebgpu as unknown as tf.KernelFunc,
};
