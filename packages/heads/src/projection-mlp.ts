import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkOptions, type Parameter, type Rng } from '@selfsup/core';
import { createLayerNorm, createLinear, gelu, type LayerNorm, type Linear } from '@selfsup/backbones';
import { createBatchNorm, type BatchNorm } from './batch-norm.js';

/** The normalisation between the hidden layers of a projection head. */
export type HeadNorm = 'none' | 'layer' | 'batch';

/** The activation between the hidden layers of a projection head. */
export type HeadActivation = 'gelu' | 'relu';

/** Options of {@link createProjectionMlp}. */
export interface ProjectionMlpOptions {
  inDim: number;
  hiddenDim: number;
  outDim: number;
  layerCount: number;
  norm: HeadNorm;
  activation: HeadActivation;
  rng: Rng;
}

/** Per-call options of a head with BatchNorm. */
export interface HeadCallOptions {
  /**
   * BatchNorm layers (`norm: 'batch'`) normalise with the batch statistics and update their
   * running averages (PyTorch `train()`); otherwise they use the running averages. No effect
   * without BatchNorm.
   * @defaultValue false
   */
  training?: boolean;
}

/** The MLP of the DINO/iBOT heads. */
export interface ProjectionMlp {
  parameters(): Parameter[];
  /** `[rows, in] -> [rows, out]`. The caller owns the result. */
  apply(x: tf.Tensor2D, options?: HeadCallOptions): tf.Tensor2D;
}

type Layer =
  | { kind: 'linear'; layer: Linear }
  | { kind: 'layer'; layer: LayerNorm }
  | { kind: 'batch'; layer: BatchNorm }
  | { kind: 'activation' };

/**
 * The MLP of the official `DINOHead`: `layerCount` linear layers, an activation (GELU or ReLU)
 * after every one but the last, with a norm before each activation. PyTorch names follow `nn.Sequential` indices (`mlp.0`,
 * `mlp.2`, `mlp.4` without norm; `mlp.0`, `mlp.1` (norm), `mlp.3`, `mlp.4` (norm), `mlp.6` with
 * one); a single layer is `mlp.weight`, `mlp.bias`. Each hidden layer has its own norm (iBOT's code
 * appends one norm module several times, so its checkpoints hold equal copies, which load here).
 */
export function createProjectionMlp(options: ProjectionMlpOptions): ProjectionMlp {
  const { inDim, hiddenDim, outDim, layerCount, norm, activation, rng } = checkOptions('createProjectionMlp(options)', options);
  const layers: Layer[] = [];
  if (layerCount === 1) {
    layers.push({ kind: 'linear', layer: createLinear({ prefix: 'mlp', inDim, outDim, rng }) });
  } else {
    for (let i = 0; i < layerCount; i++) {
      const prefix = `mlp.${layers.length}`;
      const last = i === layerCount - 1;
      layers.push({
        kind: 'linear',
        layer: createLinear({ prefix, inDim: i === 0 ? inDim : hiddenDim, outDim: last ? outDim : hiddenDim, rng }),
      });
      if (last) break;
      const normPrefix = `mlp.${layers.length}`;
      if (norm === 'layer') layers.push({ kind: 'layer', layer: createLayerNorm({ prefix: normPrefix, dim: hiddenDim, eps: 1e-5 }) });
      else if (norm === 'batch') layers.push({ kind: 'batch', layer: createBatchNorm({ prefix: normPrefix, dim: hiddenDim }) });
      else if (norm !== 'none') throw new SslError('INVALID_ARGUMENT', `unknown head norm ${JSON.stringify(norm)}`);
      layers.push({ kind: 'activation' });
    }
  }
  return {
    parameters: () => layers.flatMap((l) => (l.kind === 'activation' ? [] : l.layer.parameters())),
    apply: (x, call = {}) =>
      tf.tidy('projectionMlp', () => {
        let h: tf.Tensor2D = x;
        for (const l of layers) {
          if (l.kind === 'linear') h = l.layer.apply(h) as tf.Tensor2D;
          else if (l.kind === 'layer') h = l.layer.apply(h) as tf.Tensor2D;
          else if (l.kind === 'batch') h = l.layer.apply(h, { training: call.training ?? false });
          else h = activation === 'gelu' ? gelu(h) : tf.relu(h);
        }
        return h;
      }),
  };
}
