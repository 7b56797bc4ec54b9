import type * as tf from '@tensorflow/tfjs-core';
import { invalidArgument } from '@selfsup/core';
import { ReduceOp } from '../addon.js';
import { fusedInput } from './fused-inputs.js';
import { allocate, type CpuStorageBackend, type NativeKernel } from './shared.js';

/** The fused kernel's name (docs/concepts/fused-kernels.md); @selfsup/backbones' linear layer dispatches to it. */
export const LINEAR_GRAD = 'SelfsupLinearGrad';

/**
 * SelfsupLinearGrad: the gradients of `y = x w (+ b)`. `{ dy [rows, out], x [rows, in], w [in, out] }`,
 * `{ bias: boolean }` -> `[dx [rows, in], dw [in, out]]`, and `db [out]` when `bias`. `dx = dy w^T`
 * and `dw = x^T dy` are matrix products with the transposes as flags (the composite transposes
 * `w` and `x` in memory first, for wasm), `db` is the Sum kernel's column sum: the composite's
 * numbers, without its two transposes.
 */
export const linearGradKernel: NativeKernel = {
  kernelName: LINEAR_GRAD,
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const { dy, x, w } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const wv = fusedInput(backend, LINEAR_GRAD, 'w', w, [-1, -1]);
    const [inDim, outDim] = w!.shape as [number, number];
    const xv = fusedInput(backend, LINEAR_GRAD, 'x', x, [-1, inDim]);
    const rows = x!.shape[0]!;
    const dyv = fusedInput(backend, LINEAR_GRAD, 'dy', dy, [rows, outDim]);
    const bias = (args.attrs as { bias?: unknown } | undefined)?.bias;
    if (typeof bias !== 'boolean') {
      throw invalidArgument({ argument: `${LINEAR_GRAD}(attrs.bias)`, expected: 'a boolean (whether the layer has a bias)', actual: bias });
    }
    const dx = allocate(backend, rows * inDim);
    const dw = allocate(backend, inDim * outDim);
    const db = bias ? allocate(backend, outDim) : undefined;
    if (rows > 0 && inDim > 0 && outDim > 0) {
      context.addon.matmul(dyv, wv, dx, rows, inDim, outDim, false, true, 1, 1, 1);
      context.addon.matmul(xv, dyv, dw, inDim, outDim, rows, true, false, 1, 1, 1);
      if (db) context.addon.reduce(ReduceOp.Sum, dyv, db, 1, rows, outDim);
    } else {
      // an empty sum is 0 (no rows), or there is nothing to fill
      dx.fill(0);
      dw.fill(0);
      db?.fill(0);
    }
    const outputs = [backend.makeTensorInfo([rows, inDim], 'float32', dx), backend.makeTensorInfo([inDim, outDim], 'float32', dw)];
    if (db) outputs.push(backend.makeTensorInfo([outDim], 'float32', db));
    return outputs;
  },
};
