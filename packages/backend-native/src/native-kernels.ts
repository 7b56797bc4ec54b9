import { copyKernels, fillKernels } from './kernels/copy.js';
import { elementwiseKernels } from './kernels/elementwise.js';
import { batchMatMulKernel, fusedMatMulKernel } from './kernels/matmul.js';
import { reduceKernels } from './kernels/reduce.js';
import type { NativeKernel } from './kernels/shared.js';
import { unsortedSegmentSumKernel } from './kernels/segment.js';
import { softmaxKernel } from './kernels/softmax.js';
import { transposeKernel } from './kernels/transpose.js';

/** Every kernel the native backend runs in native code (on float32 tensors; int32 too for Transpose). */
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
];

/** The names of the kernels that run natively; every other kernel runs tfjs-backend-cpu's code. */
export const NATIVE_KERNELS: readonly string[] = NATIVE_KERNEL_LIST.map((k) => k.kernelName);
