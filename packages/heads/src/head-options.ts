import { checkInteger, checkOptions, createRng, invalidArgument, type Rng } from '@selfsup/core';
import type { HeadActivation, HeadNorm } from './projection-mlp.js';

/** Options shared by {@link createDinoHead} and {@link createIbotHead}. */
export interface ProjectionHeadOptions {
  /** Width of the backbone features (the ViT's `embedDim`). */
  inDim: number;
  /** Prototypes of the [CLS] output (65536 in DINO, 8192 in iBOT). */
  outDim: number;
  /**
   * Linear layers of the MLP before the bottleneck (`nlayers`).
   * @defaultValue 3
   */
  layerCount?: number;
  /**
   * Width of the hidden layers.
   * @defaultValue 2048
   */
  hiddenDim?: number;
  /**
   * Width of the L2-normalised bottleneck fed to the weight-normalised last layer.
   * @defaultValue 256
   */
  bottleneckDim?: number;
  /**
   * Fix the gain of the weight-normalised last layer at 1 (`norm_last_layer`): every prototype
   * keeps unit length, which stabilises training. The gain stays in the state dict as
   * `last_layer.weight_g` and is listed as not trainable.
   * @defaultValue true
   */
  normalizeLastLayer?: boolean;
  /**
   * Normalisation between hidden layers: none, LayerNorm (eps 1e-5) or BatchNorm (then pass
   * `{ training }` to `project`).
   * @defaultValue 'none'
   */
  norm?: HeadNorm;
  /**
   * Activation after each hidden layer: the exact (erf) GELU, or ReLU (`act` in the official code).
   * @defaultValue 'gelu'
   */
  activation?: HeadActivation;
  /** Randomness for the initial weights; takes precedence over `seed`. */
  rng?: Rng;
  /**
   * Seed of the initial weights when no `rng` is given: truncated normal (std 0.02) for the MLP,
   * PyTorch's default uniform for the last layer's directions, gains 1, biases 0.
   * @defaultValue 0
   */
  seed?: number;
}

/** {@link ProjectionHeadOptions} with defaults applied and checked. */
export interface ResolvedHeadOptions {
  inDim: number;
  outDim: number;
  layerCount: number;
  hiddenDim: number;
  bottleneckDim: number;
  normalizeLastLayer: boolean;
  norm: HeadNorm;
  activation: HeadActivation;
  rng: Rng;
}

/** Applies defaults and checks the options of a projection head; `where` names the factory. */
export function resolveHeadOptions(where: string, options: ProjectionHeadOptions): ResolvedHeadOptions {
  checkOptions(`${where}(options)`, options);
  const norm = options.norm ?? 'none';
  if (norm !== 'none' && norm !== 'layer' && norm !== 'batch') {
    throw invalidArgument({ argument: `${where}(options.norm)`, expected: '"none", "layer" or "batch"', actual: norm });
  }
  const activation = options.activation ?? 'gelu';
  if (activation !== 'gelu' && activation !== 'relu') {
    throw invalidArgument({ argument: `${where}(options.activation)`, expected: '"gelu" or "relu"', actual: activation });
  }
  return {
    inDim: checkInteger(`${where}(options.inDim)`, options.inDim, 1),
    outDim: checkInteger(`${where}(options.outDim)`, options.outDim, 1),
    layerCount: checkInteger(`${where}(options.layerCount)`, options.layerCount ?? 3, 1),
    hiddenDim: checkInteger(`${where}(options.hiddenDim)`, options.hiddenDim ?? 2048, 1),
    bottleneckDim: checkInteger(`${where}(options.bottleneckDim)`, options.bottleneckDim ?? 256, 1),
    normalizeLastLayer: options.normalizeLastLayer ?? true,
    norm,
    activation,
    rng: options.rng ?? createRng(checkInteger(`${where}(options.seed)`, options.seed ?? 0, 0, Number.MAX_SAFE_INTEGER)),
  };
}
