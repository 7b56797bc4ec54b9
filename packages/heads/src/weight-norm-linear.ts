import * as tf from '@tensorflow/tfjs-core';
import { checkOptions, type Parameter, type Rng } from '@selfsup/core';
import { linear, makeVariable, uniformValues } from '@selfsup/backbones';

/** Options of {@link createWeightNormLinear}. */
export interface WeightNormLinearOptions {
  /** PyTorch name prefix: parameters `${prefix}.weight_g` and `${prefix}.weight_v`. */
  prefix: string;
  /** Input width. */
  inDim: number;
  /** Output width. */
  outDim: number;
  /**
   * Keep the gain `g` at its value (1 at creation) instead of training it: the parameter is
   * listed with `trainable: false` but still saved as `${prefix}.weight_g`. DINO/iBOT's
   * `norm_last_layer`.
   * @defaultValue false
   */
  fixedGain?: boolean;
  /** Randomness for the initial direction `v` (PyTorch's default Linear init, uniform ±1/sqrt(inDim)). */
  rng: Rng;
}

/**
 * A bias-free linear layer with weight normalisation (Salimans and Kingma, 2016): each output
 * unit's weight vector is a direction `v` rescaled to length `g`, `W[:, o] = g[o] * v[:, o] / ||v[:, o]||`.
 */
export interface WeightNormLinear {
  /** `[1, out]`: the length of each output's weight vector (PyTorch `weight_g`, `[out, 1]`). */
  readonly gain: tf.Variable;
  /** `[in, out]`: the unnormalised directions (PyTorch `weight_v`, `[out, in]`). */
  readonly direction: tf.Variable;
  parameters(): Parameter[];
  /** `[in, out]`: the effective weight `g * v / ||v||` (column-wise). The caller owns it. */
  weight(): tf.Tensor2D;
  /** `[rows, in] -> [rows, out]`. Differentiable with respect to `g` and `v`. The caller owns the result. */
  apply(x: tf.Tensor2D): tf.Tensor2D;
}

/**
 * Creates a weight-normalised, bias-free linear layer with PyTorch's `weight_norm(dim=0)` names
 * and layouts, as the last layer of the DINO and iBOT heads. The gain starts at 1.
 *
 * The effective weight `[in, out]` is formed once per call (a cheap element-wise rescaling of
 * `v`), then applied with one plain 2-D matmul.
 *
 * @example
 * ```ts
 * const last = createWeightNormLinear({ prefix: 'last_layer', inDim: 256, outDim: 4096, fixedGain: true, rng: createRng(0) });
 * const logits = last.apply(l2Normalize(tf.randomNormal([8, 256]) as tf.Tensor2D)); // [8, 4096]
 * ```
 */
export function createWeightNormLinear(options: WeightNormLinearOptions): WeightNormLinear {
  const { prefix, inDim, outDim, fixedGain = false, rng } = checkOptions('createWeightNormLinear(options)', options);
  const direction = makeVariable([inDim, outDim], uniformValues(rng, inDim * outDim, 1 / Math.sqrt(inDim)));
  const gain = makeVariable([1, outDim], 1, !fixedGain);
  const weight = (): tf.Tensor2D =>
    tf.tidy('weightNormLinear.weight', () => {
      // column norms of v: [in, out] -> [1, out]
      const norms = tf.sqrt(tf.sum(tf.square(direction), 0, true));
      return tf.mul(direction, tf.div(gain, norms)) as tf.Tensor2D;
    });
  return {
    gain,
    direction,
    parameters: () => [
      // PyTorch [out, 1] -> ours [1, out]
      { name: `${prefix}.weight_g`, variable: gain, torch: { shape: [outDim, 1], perm: [1, 0] }, trainable: !fixedGain },
      { name: `${prefix}.weight_v`, variable: direction, torch: { shape: [outDim, inDim], perm: [1, 0] }, trainable: true },
    ],
    weight,
    apply: (x) => tf.tidy('weightNormLinear', () => linear(x, weight())),
  };
}
