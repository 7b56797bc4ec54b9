import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkInteger, checkOptions, checkPositive, createRng, invalidArgument, type Module, type Parameter, type Rng } from '@selfsup/core';
import { createLinear } from '@selfsup/backbones';

/** Options of {@link createLinearHead}. */
export interface LinearHeadOptions {
  /** Width of the input features. */
  inDim: number;
  /** Outputs: classes of a linear probe, or the tokenizer's vocabulary for BEiT. */
  outDim: number;
  /**
   * PyTorch name prefix of the parameters: `head` (timm's classifier), `lm_head` (BEiT's token
   * predictor) or `linear` (DINO's `eval_linear.py` probe).
   * @defaultValue 'head'
   */
  prefix?: string;
  /** @defaultValue true */
  bias?: boolean;
  /**
   * Standard deviation of the truncated-normal initial weights (0.02 in BEiT, 0.01 in DINO's probe).
   * @defaultValue 0.02
   */
  initStd?: number;
  /** Randomness for the initial weights; takes precedence over `seed`. */
  rng?: Rng;
  /** @defaultValue 0 */
  seed?: number;
}

/** A linear head with its configuration. */
export interface LinearHead extends Module {
  readonly config: Readonly<{ inDim: number; outDim: number; prefix: string; bias: boolean }>;
  /** `[..., inDim] -> [..., outDim]`. The caller owns the result. */
  project(features: tf.Tensor): tf.Tensor;
}

/**
 * Creates a linear head, `y = x W + b`: BEiT's masked-token predictor (patch tokens to logits over
 * the visual vocabulary) or a linear probe on frozen features. Saved as PyTorch's
 * `${prefix}.weight` (`[out, in]`) and `${prefix}.bias`.
 *
 * @example
 * ```ts
 * const lmHead = createLinearHead({ inDim: 192, outDim: 8192, prefix: 'lm_head' }); // BEiT's token predictor
 * const logits = lmHead.project(tf.randomNormal([2, 64, 192])); // [2, 64, 192] -> [2, 64, 8192]
 * ```
 */
export function createLinearHead(options: LinearHeadOptions): LinearHead {
  checkOptions('createLinearHead(options)', options);
  const inDim = checkInteger('createLinearHead(options.inDim)', options.inDim, 1);
  const outDim = checkInteger('createLinearHead(options.outDim)', options.outDim, 1);
  const prefix = options.prefix ?? 'head';
  const bias = options.bias ?? true;
  const initStd = checkPositive('createLinearHead(options.initStd)', options.initStd ?? 0.02);
  const rng = options.rng ?? createRng(checkInteger('createLinearHead(options.seed)', options.seed ?? 0, 0, Number.MAX_SAFE_INTEGER));
  const layer = createLinear({ prefix, inDim, outDim, bias, rng, initStd });
  const parameters: Parameter[] = layer.parameters();
  let disposed = false;
  return {
    config: { inDim, outDim, prefix, bias },
    parameters: () => parameters,
    project(features) {
      if (disposed) throw new SslError('DISPOSED', 'linearHead.project: this head was disposed; create a new one.');
      if (!(features instanceof tf.Tensor) || features.rank < 1 || features.shape[features.rank - 1] !== inDim) {
        throw invalidArgument({
          argument: 'linearHead.project(features)',
          expected: `a tensor [..., ${inDim}]`,
          actual: features instanceof tf.Tensor ? features.shape : features,
          code: 'SHAPE_MISMATCH',
          fix: 'Pass features of the width the head was created with.',
        });
      }
      return tf.tidy('linearHead.project', () => layer.apply(features));
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const p of parameters) p.variable.dispose();
    },
  };
}
