import type * as tf from '@tensorflow/tfjs-core';
import { invalidArgument } from '@selfsup/core';
import { fusedInput } from './fused-inputs.js';
import { allocate, type CpuStorageBackend, type NativeKernel } from './shared.js';

/** The fused per-parameter clipping kernel's name (docs/concepts/fused-kernels.md); @selfsup/optim's clipGradientsPerParameter dispatches to it. */
export const CLIP_NORM = 'SelfsupClipNorm';

/**
 * SelfsupClipNorm: `{ g }` (float32, any shape) with attribute `maxNorm` (a positive number) ->
 * `[clipped (g's shape), norm (a scalar)]`: `norm = sqrt(sum(g^2))`, `c = maxNorm / (norm + 1e-6)`,
 * `clipped = c < 1 ? g * c : g`, in one native call, computing exactly what the composite of
 * @selfsup/optim's clipGradientsPerParameter computes with the separate Square, Sum, Sqrt, Add,
 * RealDiv, Less, Select and Multiply kernels (8 kernels, 11 calls: tf.where clones its three scalar
 * operands with Identity).
 */
export const clipNormKernel: NativeKernel = {
  kernelName: CLIP_NORM,
  requires: ['clipNorm'],
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const { g } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const gv = fusedInput(backend, CLIP_NORM, 'g', g);
    const maxNorm = args.attrs?.maxNorm;
    if (typeof maxNorm !== 'number' || !Number.isFinite(maxNorm) || maxNorm <= 0) {
      throw invalidArgument({
        argument: `${CLIP_NORM}(attrs.maxNorm)`,
        expected: 'a positive finite number',
        actual: maxNorm,
        fix: 'Pass the largest norm a gradient keeps, e.g. { maxNorm: 3 } (docs/concepts/fused-kernels.md).',
      });
    }
    const clipped = allocate(backend, gv.length);
    const norm = new Float32Array(1);
    // an empty g has norm 0 (the Sum kernel's empty sum) and nothing to clip
    if (gv.length > 0) context.addon.clipNorm!(gv, clipped, norm, maxNorm);
    return [backend.makeTensorInfo(g!.shape.slice(), 'float32', clipped), backend.makeTensorInfo([], 'float32', norm)];
  },
};
