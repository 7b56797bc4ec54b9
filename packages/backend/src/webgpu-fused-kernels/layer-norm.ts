import type * as tf from '@tensorflow/tfjs-core';
import { checkNumber } from '@selfsup/core';
import { checkMatrix, checkShape } from './fused-kernel-inputs.js';
import { LayerNormOutputProgram } from './layer-norm-output-program.js';
import { rowWorkgroupSize } from './row-workgroup-size.js';
import { RowStatisticsProgram } from './row-statistics-program.js';
import { maxWorkgroupSize, type WebgpuKernelBackend } from './webgpu-program.js';

/** The fused LayerNorm kernel's name (the contract of @selfsup/backbones' fused-kernel.ts). */
export const SELFSUP_LAYER_NORM = 'SelfsupLayerNorm';

/**
 * `SelfsupLayerNorm` on webgpu: inputs `{ x: float32 [rows, dim], gamma: [dim], beta: [dim] }`,
 * attrs `{ epsilon }`, outputs `[y [rows, dim], mean [rows, 1], rstd [rows, 1]]` with
 * `rstd = 1 / sqrt(biased var + epsilon)` and `y = (x - mean) * rstd * gamma + beta`.
 * Three dispatches (row means, row rstd, the element-wise output) where the composite formula
 * takes about 8.
 */
export function layerNormWebgpu(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const backend = args.backend as WebgpuKernelBackend;
  const { x, gamma, beta } = args.inputs;
  const [rows, dim] = checkMatrix(SELFSUP_LAYER_NORM, 'x', x);
  checkShape(SELFSUP_LAYER_NORM, 'gamma', gamma, [dim], 'one scale per column of x');
  checkShape(SELFSUP_LAYER_NORM, 'beta', beta, [dim], 'one shift per column of x');
  const epsilon = checkNumber(`${SELFSUP_LAYER_NORM} attrs.epsilon`, args.attrs?.epsilon, 0);
  const size = rowWorkgroupSize(dim, maxWorkgroupSize(backend));
  const mean = backend.runWebGPUProgram(new RowStatisticsProgram('mean', rows, size), [x!], 'float32');
  const rstd = backend.runWebGPUProgram(new RowStatisticsProgram('rstd', rows, size), [x!, mean], 'float32', [{ type: 'float32', data: [epsilon] }]);
  const y = backend.runWebGPUProgram(new LayerNormOutputProgram(rows, dim), [x!, mean, rstd, gamma!, beta!], 'float32');
  return [y, mean, rstd];
}

/** The kernel's registration for the `webgpu` backend. */
export const layerNormWebgpuConfig: tf.KernelConfig = {
  kernelName: SELFSUP_LAYER_NORM,
  backendName: 'webgpu',
  kernelFunc: layerNormWebgpu as unknown as tf.KernelFunc,
};
