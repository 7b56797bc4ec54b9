import type * as tf from '@tensorflow/tfjs-core';
import { invalidArgument } from '@selfsup/core';
import { ClipNormScaleProgram, ClipNormSumProgram } from './clip-norm-program.js';
import { checkFloat32 } from './fused-kernel-inputs.js';
import { flat } from './gelu.js';
import { powerOfTwoAtMost } from './row-workgroup-size.js';
import { maxWorkgroupSize, type WebgpuKernelBackend } from './webgpu-program.js';

/** The fused per-parameter clipping kernel's name (the contract of @selfsup/backbones' fused-kernel.ts). */
export const SELFSUP_CLIP_NORM = 'SelfsupClipNorm';

/** Invocations of the norm's workgroup (fewer where the device allows fewer). */
const SUM_WORKGROUP_SIZE = 256;

/**
 * `SelfsupClipNorm` on webgpu: inputs `{ g }` (float32, any shape), attrs `{ maxNorm }` (a positive
 * finite number), outputs `[clipped (g's shape), norm (a scalar)]`: the clipping of one gradient of
 * @selfsup/optim's clipGradientsPerParameter in two dispatches (the norm, then the clipped
 * gradient from it), where the composite takes 8. The norm program writes `[1]`, returned as the
 * scalar the contract names (the same buffer). An empty `g` has norm 0 and no dispatch.
 */
export function clipNormWebgpu(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const backend = args.backend as WebgpuKernelBackend & { makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo };
  const g = checkFloat32(SELFSUP_CLIP_NORM, 'g', args.inputs.g);
  const maxNorm = args.attrs?.maxNorm;
  if (typeof maxNorm !== 'number' || !Number.isFinite(maxNorm) || maxNorm <= 0) {
    throw invalidArgument({ argument: `${SELFSUP_CLIP_NORM} attrs.maxNorm`, expected: 'a positive finite number', actual: maxNorm, fix: 'Pass the largest norm a gradient keeps, e.g. { maxNorm: 3 } (docs/concepts/fused-kernels.md).' });
  }
  const gradient = flat(g);
  const size = gradient.shape[0]!;
  if (size === 0) {
    return [backend.makeTensorInfo([...g.shape], 'float32', new Float32Array(0)), backend.makeTensorInfo([], 'float32', Float32Array.of(0))];
  }
  const norm = backend.runWebGPUProgram(new ClipNormSumProgram(Math.min(SUM_WORKGROUP_SIZE, powerOfTwoAtMost(maxWorkgroupSize(backend)))), [gradient], 'float32');
  const clipped = backend.runWebGPUProgram(new ClipNormScaleProgram(size), [gradient, norm], 'float32', [{ type: 'float32', data: [maxNorm] }]);
  return [
    { dataId: clipped.dataId, dtype: clipped.dtype, shape: [...g.shape] },
    { dataId: norm.dataId, dtype: norm.dtype, shape: [] },
  ];
}

/** The kernel's registration for the `webgpu` backend. */
export const clipNormWebgpuConfig: tf.KernelConfig = {
  kernelName: SELFSUP_CLIP_NORM,
  backendName: 'webgpu',
  kernelFunc: clipNormWebgpu as unknown as tf.KernelFunc,
};
