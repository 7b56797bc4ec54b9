import { adamwKernel } from './kernels/adamw.js';
import { argReduceKernels } from './kernels/arg-reduce.js';
import { castKernel } from './kernels/cast.js';
import { clipNormKernel } from './kernels/clip-norm.js';
import { copyKernels, fillKernels } from './kernels/copy.js';
import { elementwiseKernels } from './kernels/elementwise.js';
import { geluGradKernel, geluKernel } from './kernels/gelu.js';
import { layerNormGradKernel, layerNormKernel } from './kernels/layer-norm.js';
import { linearGradKernel } from './kernels/linear-grad.js';
import { logicKernels } from './kernels/logic.js';
import { batchMatMulKernel, fusedMatMulKernel } from './kernels/matmul.js';
import { reduceKernels } from './kernels/reduce.js';
import type { NativeKernel } from './kernels/shared.js';
import { unsortedSegmentSumKernel } from './kernels/segment.js';
import { softmaxKernel } from './kernels/softmax.js';
import { tileKernel } from './kernels/tile.js';
import { transposeKernel } from './kernels/transpose.js';

/**
 * Every kernel the native backend runs with its own code, in native code except UnsortedSegmentSum
 * (a one-pass JavaScript loop in place of the cpu kernel's quadratic one): on float32 tensors;
 * int32 too for the copying kernels and ArgMax / ArgMin; float32, int32 and bool for comparisons,
 * logical ops, Select, Tile and Cast.
 */
export const NATIVE_KERNEL_LIST: readonly NativeKernel[] = [
  batchMatMulKernel,
  fusedMatMulKernel,
  ...elementwiseKernels,
  ...reduceKernels,
  softmaxKernel,
  transposeKernel,
  ...copyKernels,
  ...fillKernels,
  unsortedSegmentSumKernel,
  ...logicKernels,
  tileKernel,
  castKernel,
  ...argReduceKernels,
];

/**
 * The fused kernels (docs/concepts/fused-kernels.md): whole layers in one call, which
 * @selfsup/backbones runs when the backend registers them, and the AdamW update and the
 * per-parameter gradient clipping of one parameter, which @selfsup/optim runs. They have no cpu
 * kernel of their own.
 */
export const FUSED_KERNEL_LIST: readonly NativeKernel[] = [layerNormKernel, layerNormGradKernel, geluKernel, geluGradKernel, linearGradKernel, adamwKernel, clipNormKernel];

/**
 * The names of the kernels the native backend runs with its own code (natively, but for
 * UnsortedSegmentSum's JavaScript loop), the fused ones included; every other kernel runs
 * tfjs-backend-cpu's code.
 */
export const NATIVE_KERNELS: readonly string[] = [...NATIVE_KERNEL_LIST, ...FUSED_KERNEL_LIST].map((k) => k.kernelName);
