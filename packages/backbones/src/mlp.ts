import * as tf from '@tensorflow/tfjs-core';
import { checkOptions, type Parameter, type Rng } from '@selfsup/core';
import { createLinear } from './linear.js';
import { gelu } from './gelu.js';

/** Options of {@link createMlp}. */
export interface MlpOptions {
  /** PyTorch name prefix (`blocks.0.mlp`): parameters `fc1.*`, `fc2.*`. */
  prefix: string;
  dim: number;
  hiddenDim: number;
  rng: Rng;
}

/** The transformer's feed-forward block: `fc2(gelu(fc1(x)))`. */
export interface Mlp {
  parameters(): Parameter[];
  /** `[..., dim] -> [..., dim]`. The caller owns the result. */
  apply(x: tf.Tensor): tf.Tensor;
}

/** Creates the two-layer GELU MLP of a ViT block. */
export function createMlp(options: MlpOptions): Mlp {
  const { prefix, dim, hiddenDim, rng } = checkOptions('createMlp(options)', options);
  const fc1 = createLinear({ prefix: `${prefix}.fc1`, inDim: dim, outDim: hiddenDim, rng });
  const fc2 = createLinear({ prefix: `${prefix}.fc2`, inDim: hiddenDim, outDim: dim, rng });
  return {
    parameters: () => [...fc1.parameters(), ...fc2.parameters()],
    apply: (x) => tf.tidy('mlp', () => fc2.apply(gelu(fc1.apply(x)))),
  };
}
