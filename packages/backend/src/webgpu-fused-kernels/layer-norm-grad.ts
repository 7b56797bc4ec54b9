import type * as tf from '@tensorflow/tfjs-core';
import { ColumnSumProgram } from './column-sum-program.js';
import { checkMatrix, checkShape } from './fused-kernel-inputs.js';
import { LayerNormInputGradProgram } from './layer-norm-input-grad-program.js';
import { powerOfTwoAtMost, rowWorkgroupSize } from './row-workgroup-size.js';
import { maxWorkgroupSize, type WebgpuKernelBackend } from './webgpu-program.js';

/** The fused LayerNorm gradient kernel's name (the contract of @selfsup/backbones' fused-kernel.ts). */
export const SELFSUP_LAYER_NORM_GRAD = 'SelfsupLayerNormGrad';

/** Invocations of a column-sum workgroup: 8 columns by 32 row lanes, fewer where the device allows less. */
const COLUMN_SUM_WORKGROUP_SIZE = 256;

/**
 * `SelfsupLayerNormGrad` on webgpu: inputs `{ dy [rows, dim], x [rows, dim], gamma [dim],
 * mean [rows, 1], rstd [rows, 1] }` (the forward kernel's statistics), outputs
 * `[dx [rows, dim], dgamma [dim], dbeta [dim]]`:
 * with `xhat = (x - mean) * rstd` and `g = dy * gamma`,
 * `dx = rstd * (g - mean_row(g) - xhat * mean_row(g * xhat))`, `dgamma = sum_rows(dy * xhat)`,
 * `dbeta = sum_rows(dy)`. Three dispatches where the composite formula takes about 12.
 */
export function layerNormGradWebgpu(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo[] {
  const backend = args.backend as WebgpuKernelBackend;
  const { dy, x, gamma, mean, rstd } = args.inputs;
  const [rows, dim] = checkMatrix(SELFSUP_LAYER_NORM_GRAD, 'x', x);
  checkShape(SELFSUP_LAYER_NORM_GRAD, 'dy', dy, [rows, dim], 'the gradient of y, shaped as x');
  checkShape(SELFSUP_LAYER_NORM_GRAD, 'gamma', gamma, [dim], 'one scale per column of x');
  checkShape(SELFSUP_LAYER_NORM_GRAD, 'mean', mean, [rows, 1], "the forward kernel's row means");
  checkShape(SELFSUP_LAYER_NORM_GRAD, 'rstd', rstd, [rows, 1], "the forward kernel's row rstd");
  const largest = maxWorkgroupSize(backend);
  const dx = backend.runWebGPUProgram(new LayerNormInputGradProgram(rows, dim, rowWorkgroupSize(dim, largest)), [dy!, x!, gamma!, mean!, rstd!], 'float32');
  const columnSize = powerOfTwoAtMost(Math.min(COLUMN_SUM_WORKGROUP_SIZE, largest));
  const dgamma = backend.runWebGPUProgram(new ColumnSumProgram('dgamma', dim, columnSize), [dy!, x!, mean!, rstd!], 'float32');
  const dbeta = backend.runWebGPUProgram(new ColumnSumProgram('dbeta', dim, columnSize), [dy!], 'float32');
  return [dx, dgamma, dbeta];
}

/** The kernel's registration for the `webgpu` backend. */
export const layerNormGradWebgpuConfig: tf.KernelConfig = {
  kernelName: SELFSUP_LAYER_NORM_GRAD,
  backendName: 'webgpu',
  kernelFunc: layerNormGradWebgpu as unknown as tf.KernelFunc,
};
