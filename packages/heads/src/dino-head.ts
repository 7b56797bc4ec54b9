import * as tf from '@tensorflow/tfjs-core';
import { SslError, invalidArgument, type Module, type Parameter } from '@selfsup/core';
import { createProjectionMlp, type HeadCallOptions } from './projection-mlp.js';
import { createWeightNormLinear } from './weight-norm-linear.js';
import { l2Normalize } from './l2-normalize.js';
import { resolveHeadOptions, type ProjectionHeadOptions } from './head-options.js';

/** Options of {@link createDinoHead}. */
export type DinoHeadOptions = ProjectionHeadOptions;

/** The DINO projection head with its configuration. */
export interface DinoHead extends Module {
  readonly config: Readonly<Omit<Required<DinoHeadOptions>, 'rng' | 'seed'>>;
  /**
   * `[..., inDim] -> [..., outDim]` logits over the prototypes (usually `[batch, dim]` [CLS]
   * features). The caller owns the result.
   */
  project(features: tf.Tensor, options?: HeadCallOptions): tf.Tensor;
}

/**
 * Creates the DINO projection head (Caron et al., 2021): an MLP maps a feature to a bottleneck,
 * the bottleneck is scaled to unit length, and a weight-normalised linear layer without bias
 * gives one logit per prototype, i.e. the cosine similarity to each prototype times its gain.
 * Parameters carry the official PyTorch names (`mlp.0.weight`, ..., `last_layer.weight_g`,
 * `last_layer.weight_v`).
 *
 * @example
 * ```ts
 * const head = createDinoHead({ inDim: 192, outDim: 4096, hiddenDim: 512, bottleneckDim: 64 });
 * const logits = head.project(tf.randomNormal([8, 192])); // [8, 192] -> [8, 4096]
 * ```
 */
export function createDinoHead(options: DinoHeadOptions): DinoHead {
  const o = resolveHeadOptions('createDinoHead', options);
  const mlp = createProjectionMlp({ inDim: o.inDim, hiddenDim: o.hiddenDim, outDim: o.bottleneckDim, layerCount: o.layerCount, norm: o.norm, activation: o.activation, rng: o.rng });
  const lastLayer = createWeightNormLinear({ prefix: 'last_layer', inDim: o.bottleneckDim, outDim: o.outDim, fixedGain: o.normalizeLastLayer, rng: o.rng });
  const parameters: Parameter[] = [...mlp.parameters(), ...lastLayer.parameters()];
  let disposed = false;
  return {
    config: { inDim: o.inDim, outDim: o.outDim, layerCount: o.layerCount, hiddenDim: o.hiddenDim, bottleneckDim: o.bottleneckDim, normalizeLastLayer: o.normalizeLastLayer, norm: o.norm, activation: o.activation },
    parameters: () => parameters,
    project(features, call = {}) {
      if (disposed) throw new SslError('DISPOSED', 'dinoHead.project: this head was disposed; create a new one.');
      if (!(features instanceof tf.Tensor) || features.rank < 1 || features.shape[features.rank - 1] !== o.inDim) {
        throw invalidArgument({
          argument: 'dinoHead.project(features)',
          expected: `a tensor [..., ${o.inDim}] (the last axis is the feature width inDim)`,
          actual: features instanceof tf.Tensor ? features.shape : features,
          code: 'SHAPE_MISMATCH',
          fix: 'Pass backbone features of the width the head was created with.',
        });
      }
      return tf.tidy('dinoHead.project', () => {
        // [..., D] -> [rows, D]
        const rows = tf.reshape(features, [features.size / o.inDim, o.inDim]) as tf.Tensor2D;
        const logits = lastLayer.apply(l2Normalize(mlp.apply(rows, call)));
        // [rows, K] -> [..., K]
        return tf.reshape(logits, [...features.shape.slice(0, -1), o.outDim]);
      });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const p of parameters) p.variable.dispose();
    },
  };
}
