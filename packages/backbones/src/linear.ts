import * as tf from '@tensorflow/tfjs-core';
import { MAX_TENSOR_ELEMENTS, checkInteger, checkOptions, invalidArgument, type Parameter, type Rng } from '@selfsup/core';
import { makeVariable, truncatedNormal } from './init.js';
import { customOp } from './custom-op.js';
import { FUSED_KERNELS, hasFusedKernel, runFusedKernel } from './fused-kernel.js';

// y = x W + b with a hand-written gradient: dx = dy W^T, dW = x^T dy, db = sum(dy). The transposes
// are explicit rank-2 transposes feeding plain matmuls, because transposed matmuls (what
// tf.matMul's own gradient emits) fall off the fast path of the wasm backend. A backend that
// registers SelfsupLinearGrad (docs/concepts/fused-kernels.md) computes all of it in one call.
function linearGradients(dy: tf.Tensor2D, x: tf.Tensor2D, w: tf.Tensor2D, bias: boolean): tf.Tensor[] {
  if (hasFusedKernel(FUSED_KERNELS.linearGrad)) return runFusedKernel(FUSED_KERNELS.linearGrad, { dy, x, w }, { bias });
  const grads = [tf.matMul(dy, tf.transpose(w)), tf.matMul(tf.transpose(x), dy)];
  return bias ? [...grads, tf.sum(dy, 0)] : grads;
}

const linearWithBias = customOp<[tf.Tensor, tf.Tensor, tf.Tensor]>(([x, w, b], save) => {
  save([x, w]);
  const value = tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b });
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      return linearGradients(dy as tf.Tensor2D, xs, ws, true);
    },
  };
});

const linearNoBias = customOp<[tf.Tensor, tf.Tensor]>(([x, w], save) => {
  save([x, w]);
  const value = tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      return linearGradients(dy as tf.Tensor2D, xs, ws, false);
    },
  };
});

/**
 * The affine map of a fully connected layer on rows: `[rows, in] x [in, out] (+ [out]) -> [rows, out]`.
 * The caller owns the result.
 */
export function linear(x: tf.Tensor2D, weight: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy('linear', () => (bias ? linearWithBias(x, weight, bias) : linearNoBias(x, weight)) as tf.Tensor2D);
}

/** Options of {@link createLinear}. */
export interface LinearOptions {
  /** PyTorch name prefix: parameters are `${prefix}.weight` and `${prefix}.bias`. */
  prefix: string;
  inDim: number;
  outDim: number;
  /** @defaultValue true */
  bias?: boolean;
  /** Randomness for the initial weights (truncated normal, std `initStd`). */
  rng: Rng;
  /** @defaultValue 0.02 (timm/iBOT ViT init) */
  initStd?: number;
}

/** A fully connected layer whose weight is stored `[in, out]` and exported as PyTorch's `[out, in]`. */
export interface Linear {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | undefined;
  parameters(): Parameter[];
  /** `[..., in] -> [..., out]`. The caller owns the result. */
  apply(x: tf.Tensor): tf.Tensor;
}

/** Creates a {@link Linear} layer initialised as timm's ViT does (truncated normal weights, zero bias). */
export function createLinear(options: LinearOptions): Linear {
  const { prefix, inDim, outDim, bias = true, rng, initStd = 0.02 } = checkOptions('createLinear(options)', options);
  checkInteger(`createLinear(options.inDim) of ${prefix}`, inDim, 1);
  checkInteger(`createLinear(options.outDim) of ${prefix}`, outDim, 1);
  if (inDim * outDim > MAX_TENSOR_ELEMENTS) {
    throw invalidArgument({
      argument: `createLinear(options) of ${prefix}`,
      expected: `a weight of at most ${MAX_TENSOR_ELEMENTS} elements (inDim * outDim)`,
      actual: `${inDim} * ${outDim}`,
      fix: 'Use smaller dimensions.',
    });
  }
  const weight = makeVariable([inDim, outDim], truncatedNormal(rng, inDim * outDim, initStd));
  const b = bias ? makeVariable([outDim], 0) : undefined;
  return {
    weight,
    bias: b,
    parameters: () => [
      { name: `${prefix}.weight`, variable: weight, torch: { shape: [outDim, inDim], perm: [1, 0] }, trainable: true },
      ...(b ? [{ name: `${prefix}.bias`, variable: b, trainable: true }] : []),
    ],
    apply: (x) =>
      tf.tidy('linear', () => {
        const rows = x.size / inDim;
        // [..., in] -> [rows, in]
        const y = linear(tf.reshape(x, [rows, inDim]), weight as tf.Tensor2D, b as tf.Tensor1D | undefined);
        // [rows, out] -> [..., out]
        return tf.reshape(y, [...x.shape.slice(0, -1), outDim]);
      }),
  };
}
