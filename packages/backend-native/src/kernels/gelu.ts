import type * as tf from '@tensorflow/tfjs-core';
import { fusedInput } from './fused-inputs.js';
import { allocate, type CpuStorageBackend, type NativeKernel } from './shared.js';

/** The fused GELU kernels' names (docs/concepts/fused-kernels.md); @selfsup/backbones dispatches to them. */
export const GELU = 'SelfsupGelu';
export const GELU_GRAD = 'SelfsupGeluGrad';

/**
 * SelfsupGelu: `{ x }` -> `[y]`, `x * Phi(x)` in one native pass, computing exactly what the
 * composite formula computes with the Multiply, Erf, Add, Multiply and Multiply kernels (Erf: the cpu
 * backend's Abramowitz-Stegun formula, as PyTorch's vectorised CPU erf).
 */
export const geluKernel: NativeKernel = {
  kernelName: GELU,
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const x = (args.inputs as Record<string, tf.TensorInfo | undefined>).x;
    const xv = fusedInput(backend, GELU, 'x', x);
    const y = allocate(backend, xv.length);
    if (xv.length > 0) context.addon.gelu(xv, y);
    return [backend.makeTensorInfo(x!.shape.slice(), 'float32', y)];
  },
};

/**
 * SelfsupGeluGrad: `{ dy, x }` -> `[dx]`, `dy * (Phi(x) + x phi(x))` in one native pass, exactly
 * the composite backward pass's numbers.
 */
export const geluGradKernel: NativeKernel = {
  kernelName: GELU_GRAD,
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const { dy, x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const xv = fusedInput(backend, GELU_GRAD, 'x', x);
    const dyv = fusedInput(backend, GELU_GRAD, 'dy', dy, x!.shape);
    const dx = allocate(backend, xv.length);
    if (xv.length > 0) context.addon.geluGrad(dyv, xv, dx);
    return [backend.makeTensorInfo(x!.shape.slice(), 'float32', dx)];
  },
};
