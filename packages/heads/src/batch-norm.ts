import * as tf from '@tensorflow/tfjs-core';
import { checkOptions, type Parameter } from '@selfsup/core';
import { makeVariable } from '@selfsup/backbones';

/** Options of {@link createBatchNorm}. */
export interface BatchNormOptions {
  /** PyTorch name prefix: `${prefix}.weight`, `.bias`, `.running_mean`, `.running_var`, `.num_batches_tracked`. */
  prefix: string;
  /** Features (channels) normalised. */
  dim: number;
  /** @defaultValue 1e-5 (PyTorch's) */
  eps?: number;
  /**
   * Weight of the new batch statistics in the running averages (PyTorch's convention:
   * `running = (1 - momentum) * running + momentum * batch`).
   * @defaultValue 0.1
   */
  momentum?: number;
}

/** Per-call options of {@link BatchNorm.apply}. */
export interface BatchNormCallOptions {
  /**
   * Normalise with the batch's statistics and update the running ones (PyTorch's `train()`);
   * otherwise normalise with the running statistics (`eval()`).
   * @defaultValue false
   */
  training?: boolean;
}

/** Batch normalisation over the rows of `[rows, dim]`, with PyTorch's names and buffers. */
export interface BatchNorm {
  parameters(): Parameter[];
  /** `[rows, dim] -> [rows, dim]`. In training mode, also updates the running statistics. The caller owns the result. */
  apply(x: tf.Tensor2D, options?: BatchNormCallOptions): tf.Tensor2D;
}

/**
 * Creates a `BatchNorm1d` (Ioffe and Szegedy, 2015): each feature is standardised with the mean
 * and biased variance over the rows (training) or with running averages of them (evaluation), then
 * scaled and shifted. The running variance uses the unbiased batch variance, as PyTorch.
 * Heads pass every token of every image as a row, which is how iBOT's head applies BatchNorm to
 * `[batch, tokens, dim]`.
 *
 * @example
 * ```ts
 * const bn = createBatchNorm({ prefix: 'mlp.1', dim: 8 });
 * const y = bn.apply(tf.randomNormal([32, 8]) as tf.Tensor2D, { training: true }); // [32, 8], running stats updated
 * ```
 */
export function createBatchNorm(options: BatchNormOptions): BatchNorm {
  const { prefix, dim, eps = 1e-5, momentum = 0.1 } = checkOptions('createBatchNorm(options)', options);
  const weight = makeVariable([dim], 1);
  const bias = makeVariable([dim], 0);
  const runningMean = makeVariable([dim], 0, false);
  const runningVar = makeVariable([dim], 1, false);
  const batchesTracked = makeVariable([], 0, false);
  return {
    parameters: () => [
      { name: `${prefix}.weight`, variable: weight, trainable: true },
      { name: `${prefix}.bias`, variable: bias, trainable: true },
      { name: `${prefix}.running_mean`, variable: runningMean, trainable: false },
      { name: `${prefix}.running_var`, variable: runningVar, trainable: false },
      { name: `${prefix}.num_batches_tracked`, variable: batchesTracked, trainable: false },
    ],
    apply: (x, call = {}) =>
      tf.tidy('batchNorm', () => {
        const rows = x.shape[0];
        let mean: tf.Tensor = runningMean;
        let variance: tf.Tensor = runningVar;
        if (call.training) {
          const moments = tf.moments(x, 0); // mean and biased variance over rows: [dim]
          mean = moments.mean;
          variance = moments.variance;
          const unbiased = rows > 1 ? tf.mul(variance, rows / (rows - 1)) : variance;
          runningMean.assign(tf.add(tf.mul(runningMean, 1 - momentum), tf.mul(mean, momentum)));
          runningVar.assign(tf.add(tf.mul(runningVar, 1 - momentum), tf.mul(unbiased, momentum)));
          batchesTracked.assign(tf.add(batchesTracked, 1));
        }
        const scale = tf.mul(tf.rsqrt(tf.add(variance, eps)), weight);
        return tf.add(tf.mul(tf.sub(x, mean), scale), bias) as tf.Tensor2D;
      }),
  };
}
