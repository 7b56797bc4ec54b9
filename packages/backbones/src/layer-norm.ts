import * as tf from '@tensorflow/tfjs-core';
import { MAX_TENSOR_ELEMENTS, checkInteger, checkOptions, type Parameter } from '@selfsup/core';
import { makeVariable } from './init.js';
import { customOp } from './custom-op.js';
import { FUSED_KERNELS, hasFusedKernel, runFusedKernel } from './fused-kernel.js';

// LayerNorm over the last axis of [rows, dim] with a hand-written gradient (one pass of a few ops
// instead of autograd through moments):
//   xhat = (x - mean) * rstd,  y = xhat * gamma + beta
//   g = dy * gamma;  dx = rstd * (g - mean(g) - xhat * mean(g * xhat))
//   dgamma = sum_rows(dy * xhat),  dbeta = sum_rows(dy)
function layerNormOp(eps: number) {
  return customOp<[tf.Tensor, tf.Tensor, tf.Tensor]>(([x, gamma, beta], save) => {
    const mean = tf.mean(x, -1, true);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), -1, true);
    const rstd = tf.rsqrt(tf.add(variance, eps));
    const xhat = tf.mul(centered, rstd);
    save([xhat, rstd, gamma]);
    return {
      value: tf.add(tf.mul(xhat, gamma), beta),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, rs, g0] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        const g = tf.mul(dy, g0);
        const meanG = tf.mean(g, -1, true);
        const meanGX = tf.mean(tf.mul(g, xh), -1, true);
        const dx = tf.mul(rs, tf.sub(tf.sub(g, meanG), tf.mul(xh, meanGX)));
        return [dx, tf.sum(tf.mul(dy, xh), 0), tf.sum(dy, 0)];
      },
    };
  });
}

// The same LayerNorm as one kernel call each way, on a backend that registers SelfsupLayerNorm and
// SelfsupLayerNormGrad (docs/concepts/fused-kernels.md): the forward kernel also returns the
// per-row mean and rstd, which the gradient kernel reads back with x.
function fusedLayerNormOp(eps: number) {
  return customOp<[tf.Tensor, tf.Tensor, tf.Tensor]>(([x, gamma, beta], save) => {
    const [y, mean, rstd] = runFusedKernel(FUSED_KERNELS.layerNorm, { x, gamma, beta }, { epsilon: eps }) as [tf.Tensor, tf.Tensor, tf.Tensor];
    save([x, gamma, mean, rstd]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, g0, mean0, rstd0] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return runFusedKernel(FUSED_KERNELS.layerNormGrad, { dy, x: xs, gamma: g0, mean: mean0, rstd: rstd0 });
      },
    };
  });
}

type LayerNormOp = ReturnType<typeof layerNormOp>;
const ops = new Map<number, LayerNormOp>();
const fusedOps = new Map<number, LayerNormOp>();

/** The LayerNorm op for `eps`: the fused kernels when the active backend has both, else the composite. */
function layerNormFor(eps: number): LayerNormOp {
  const fused = hasFusedKernel(FUSED_KERNELS.layerNorm) && hasFusedKernel(FUSED_KERNELS.layerNormGrad);
  const cache = fused ? fusedOps : ops;
  let op = cache.get(eps);
  if (!op) cache.set(eps, (op = fused ? fusedLayerNormOp(eps) : layerNormOp(eps)));
  return op;
}

/**
 * Layer normalisation over the last axis: `(x - mean) / sqrt(var + eps) * gamma + beta`, with the
 * biased variance as PyTorch's `nn.LayerNorm`. `[..., dim] -> [..., dim]`; the caller owns the result.
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor {
  const f = layerNormFor(eps);
  return tf.tidy('layerNorm', () => {
    const dim = x.shape[x.shape.length - 1]!;
    // [..., dim] -> [rows, dim]
    const y = f(tf.reshape(x, [x.size / dim, dim]), gamma, beta);
    return tf.reshape(y, x.shape);
  });
}

/** Options of {@link createLayerNorm}. */
export interface LayerNormOptions {
  /** PyTorch name prefix: `${prefix}.weight`, `${prefix}.bias`. */
  prefix: string;
  dim: number;
  /** @defaultValue 1e-6 (the ViT's) */
  eps?: number;
}

/** A LayerNorm layer with PyTorch names. */
export interface LayerNorm {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  parameters(): Parameter[];
  /** `[..., dim] -> [..., dim]`. The caller owns the result. */
  apply(x: tf.Tensor): tf.Tensor;
}

/** Creates a {@link LayerNorm} (weight 1, bias 0). */
export function createLayerNorm(options: LayerNormOptions): LayerNorm {
  const { prefix, dim, eps = 1e-6 } = checkOptions('createLayerNorm(options)', options);
  checkInteger(`createLayerNorm(options.dim) of ${prefix}`, dim, 1, MAX_TENSOR_ELEMENTS);
  const weight = makeVariable([dim], 1);
  const bias = makeVariable([dim], 0);
  return {
    weight,
    bias,
    parameters: () => [
      { name: `${prefix}.weight`, variable: weight, trainable: true },
      { name: `${prefix}.bias`, variable: bias, trainable: true },
    ],
    apply: (x) => layerNorm(x, weight as tf.Tensor1D, bias as tf.Tensor1D, eps),
  };
}
