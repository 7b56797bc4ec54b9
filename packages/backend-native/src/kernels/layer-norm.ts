import type * as tf from '@tensorflow/tfjs-core';
import { checkNumber } from '@selfsup/core';
import { fusedInput } from './fused-inputs.js';
import { allocate, type CpuStorageBackend, type NativeKernel } from './shared.js';

/** The fused LayerNorm kernels' names (docs/concepts/fused-kernels.md); @selfsup/backbones dispatches to them. */
export const LAYER_NORM = 'SelfsupLayerNorm';
export const LAYER_NORM_GRAD = 'SelfsupLayerNormGrad';

/**
 * SelfsupLayerNorm: `{ x [rows, dim], gamma [dim], beta [dim] }`, `{ epsilon }` ->
 * `[y [rows, dim], mean [rows, 1], rstd [rows, 1]]`, one native pass per row computing exactly what
 * the composite formula computes with the Mean, Sub, Square, Add, Rsqrt, Multiply and Add kernels.
 */
export const layerNormKernel: NativeKernel = {
  kernelName: LAYER_NORM,
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const { x, gamma, beta } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const xv = fusedInput(backend, LAYER_NORM, 'x', x, [-1, -1]);
    const [rows, dim] = x!.shape as [number, number];
    const gv = fusedInput(backend, LAYER_NORM, 'gamma', gamma, [dim]);
    const bv = fusedInput(backend, LAYER_NORM, 'beta', beta, [dim]);
    const epsilon = checkNumber(`${LAYER_NORM}(attrs.epsilon)`, (args.attrs as { epsilon?: unknown } | undefined)?.epsilon, 0);
    const y = allocate(backend, rows * dim);
    const mean = allocate(backend, rows);
    const rstd = allocate(backend, rows);
    if (dim > 0) {
      if (rows > 0) context.addon.layerNorm(xv, gv, bv, y, mean, rstd, rows, dim, epsilon);
    } else {
      // rows of nothing: the mean and variance of no values are NaN, as the composite's
      mean.fill(Number.NaN);
      rstd.fill(Number.NaN);
    }
    return [backend.makeTensorInfo([rows, dim], 'float32', y), backend.makeTensorInfo([rows, 1], 'float32', mean), backend.makeTensorInfo([rows, 1], 'float32', rstd)];
  },
};

/**
 * SelfsupLayerNormGrad: `{ dy, x [rows, dim], gamma [dim], mean [rows, 1], rstd [rows, 1] }` ->
 * `[dx [rows, dim], dgamma [dim], dbeta [dim]]`, exactly the composite backward pass's numbers.
 */
export const layerNormGradKernel: NativeKernel = {
  kernelName: LAYER_NORM_GRAD,
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const { dy, x, gamma, mean, rstd } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const xv = fusedInput(backend, LAYER_NORM_GRAD, 'x', x, [-1, -1]);
    const [rows, dim] = x!.shape as [number, number];
    const dyv = fusedInput(backend, LAYER_NORM_GRAD, 'dy', dy, [rows, dim]);
    const gv = fusedInput(backend, LAYER_NORM_GRAD, 'gamma', gamma, [dim]);
    const mv = fusedInput(backend, LAYER_NORM_GRAD, 'mean', mean, [rows, 1]);
    const rv = fusedInput(backend, LAYER_NORM_GRAD, 'rstd', rstd, [rows, 1]);
    const dx = allocate(backend, rows * dim);
    const dgamma = allocate(backend, dim);
    const dbeta = allocate(backend, dim);
    if (rows > 0 && dim > 0) {
      context.addon.layerNormGrad(dyv, xv, gv, mv, rv, dx, dgamma, dbeta, rows, dim);
    } else {
      dgamma.fill(0);
      dbeta.fill(0);
    }
    return [backend.makeTensorInfo([rows, dim], 'float32', dx), backend.makeTensorInfo([dim], 'float32', dgamma), backend.makeTensorInfo([dim], 'float32', dbeta)];
  },
};
