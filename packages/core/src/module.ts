import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from './rng.js';

/**
 * How a parameter is laid out in PyTorch, when it differs from ours. Our value is
 * `reshape(transpose(torchValue, perm), variable.shape)`; e.g. a Linear weight is `[out, in]` in
 * PyTorch and `[in, out]` here (`perm: [1, 0]`).
 */
export interface TorchLayout {
  /** The PyTorch shape. */
  readonly shape: readonly number[];
  /** Output axis `i` of the transpose is PyTorch axis `perm[i]`. */
  readonly perm: readonly number[];
}

/** One tensor of a module's state, under its PyTorch state-dict name. */
export interface Parameter {
  /** The PyTorch state-dict name, e.g. `blocks.0.attn.qkv.weight`. */
  readonly name: string;
  /** Our storage. */
  readonly variable: tf.Variable;
  /** The PyTorch layout, when it is not ours. */
  readonly torch?: TorchLayout;
  /** False for buffers (BatchNorm statistics) and frozen tensors: never given to an optimizer. */
  readonly trainable: boolean;
  /**
   * What kind of buffer it is, when it is one: `computed` for a tensor the architecture computes
   * from its options and never changes (Swin's `relative_position_index`), which an EMA teacher
   * does not average; `statistic` for running statistics (BatchNorm). Absent for weights.
   */
  readonly buffer?: 'computed' | 'statistic';
}

/** Anything with parameters: backbones, heads, decoders. */
export interface Module {
  /** Every parameter and buffer, in a stable order, under PyTorch names. */
  parameters(): readonly Parameter[];
  /** Disposes every variable. Using the module afterwards throws. */
  dispose(): void;
}

/** Named features returned by {@link Backbone.encode}. */
export interface BackboneFeatures {
  /**
   * `[batch, dim]`: the pooled token, what a classifier or a DINO head reads: the normalised [CLS]
   * token of a ViT, the mean of the last stage's normalised tokens of a Swin Transformer.
   */
  readonly classToken: tf.Tensor2D;
  /**
   * `[batch, tokens, dim]`: the normalised patch tokens on {@link Backbone.tokenGrid}, row-major
   * (the kept ones only, with `keepIndices`).
   */
  readonly patchTokens: tf.Tensor3D;
}

/** Options of {@link Backbone.encode}. */
export interface EncodeOptions {
  /**
   * `[batch, maskTokens]` over {@link Backbone.maskGrid} (row-major), 1 where a token is masked:
   * the patch embeddings under it are replaced by the learned mask token (iBOT, BEiT). For a ViT
   * the mask grid is the patch grid; a Swin Transformer takes it at its last stage's grid and
   * repeats it to the patch grid. Not with `keepIndices`.
   */
  readonly tokenMask?: tf.Tensor2D;
  /**
   * `[batch, kept]` int32 patch indices: only these patches are encoded, in this order (MAE).
   * Only for backbones with {@link Backbone.acceptsKeepIndices}; not with `tokenMask`.
   */
  readonly keepIndices?: tf.Tensor2D;
  /**
   * Training mode: enables drop path (stochastic depth), which then needs `rng`.
   * @defaultValue false
   */
  readonly training?: boolean;
  /** Randomness for drop path in training mode. */
  readonly rng?: Rng;
}

/** How timm knows a backbone's architecture: what an export writes so that timm builds the model. */
export interface TimmDescription {
  /**
   * A registered timm model with this architecture (`vit_small_patch16_224`,
   * `swin_tiny_patch4_window7_224`), or undefined when timm registers none.
   */
  readonly model: string | undefined;
  /**
   * Keyword arguments of timm's model class that build this architecture without a classifier
   * (`img_size`, `patch_size`, `in_chans`, `embed_dim`, ..., `num_classes: 0`); JSON values only.
   */
  readonly kwargs: Readonly<Record<string, unknown>>;
}

/**
 * A vision backbone: NHWC images in, named token features out. As timm's models, a backbone
 * carries its own rules (token grid, input sizes, weight-decay exceptions, layer-wise decay, timm
 * names), so recipes, optimizers, the CLI and export ask it instead of assuming a ViT
 * (docs/decisions/0006-backbone-contract.md).
 *
 * Its functions are closures: `backbone.layerIndex` may be passed on without binding.
 */
export interface Backbone extends Module {
  /** The architecture, as in a backbone config: `vit`, `swin`. */
  readonly arch: string;
  /**
   * The width of the features `encode` returns (`classToken`, `patchTokens`): a ViT's embedding
   * width, a hierarchical backbone's last-stage width (768 for Swin-T).
   */
  readonly embedDim: number;
  /** The side of a square patch of the patch embedding, in pixels. */
  readonly patchSize: number;
  /** The image channels it takes (3 for RGB, 1 for grayscale). */
  readonly inChannels: number;
  /** True when `encode` takes `keepIndices` (MAE): a ViT does, a Swin Transformer does not. */
  readonly acceptsKeepIndices: boolean;
  /**
   * The layers of layer-wise learning-rate decay: `layerIndex` is in `[0, layerCount - 1]`
   * (`depth + 2` for a ViT: the embeddings, each block, what follows the last block).
   */
  readonly layerCount: number;
  /** How timm knows this architecture (for export). */
  readonly timm: TimmDescription;
  /**
   * Encodes `images` (`[batch, height, width, channels]`, NHWC) into named features. The caller
   * owns the returned tensors.
   */
  encode(images: tf.Tensor4D, options?: EncodeOptions): BackboneFeatures;
  /**
   * The input-size rule: returns when `encode` accepts images of `height` x `width` pixels, and
   * throws an SslError (`INVALID_ARGUMENT`) naming `argument`, the size, the sizes accepted and a
   * fix otherwise (a ViT needs multiples of its patch size).
   *
   * @param argument - what the size is, for the message. @defaultValue `'<arch>.encode(images)'`
   */
  checkInputSize(height: number, width: number, argument?: string): void;
  /**
   * `[rows, columns]` of `patchTokens` for images of `height` x `width` pixels (the patch grid of a
   * ViT, the last stage's grid of a Swin Transformer). Throws as {@link checkInputSize}.
   */
  tokenGrid(height: number, width: number): readonly [number, number];
  /**
   * `[rows, columns]` of the grid a `tokenMask` is given at for images of `height` x `width`
   * pixels (a ViT's patch grid; iBOT's Swin takes masks at its last stage's grid). Throws as
   * {@link checkInputSize}, and when masks cannot be applied at that size.
   */
  maskGrid(height: number, width: number): readonly [number, number];
  /**
   * Names of its parameters that get no weight decay besides biases and 1-D tensors, as timm's
   * `no_weight_decay()` (a ViT's `cls_token` and `pos_embed`; a Swin's relative position bias
   * tables). Fine-tuning recipes (BEiT, MAE, timm) skip them; iBOT's and DINO's pretraining does not.
   */
  noWeightDecay(): ReadonlySet<string>;
  /**
   * The layer of a parameter for layer-wise learning-rate decay, in `[0, layerCount - 1]`: 0 for
   * the embeddings, then the blocks in order, `layerCount - 1` for what follows the last block. A
   * prefix such as `backbone.` is ignored, and any name that is not one of its parameters (a head)
   * is in the last layer, as MAE's `get_layer_id_for_vit` and timm's `group_matcher`.
   */
  layerIndex(name: string): number;
  /**
   * The timm state-dict name of one of its parameters (`blocks.0.gamma_1` is `blocks.0.ls1.gamma`
   * in timm), or undefined when timm's model has no such tensor (`masked_embed`, buffers timm
   * computes).
   */
  timmName(name: string): string | undefined;
  /**
   * Optional: the attention probabilities of the last block, per head, over every token of the
   * sequence it attends in (DINO's `get_last_selfattention`), for attention maps: for a ViT
   * `[batch, heads, 1 + patches, 1 + patches]`, row `i` the distribution of token `i` (0 is
   * [CLS], then the patch grid row-major). Absent when the architecture has no global token
   * attention (a Swin Transformer attends in windows and has no [CLS] token). Runs in inference
   * mode (no drop path). The caller owns the result.
   */
  lastSelfAttention?(images: tf.Tensor4D): tf.Tensor4D;
}

/**
 * A hyper-parameter that changes over training (learning rate, weight decay, teacher momentum or
 * temperature), **counted in iterations**: `at(iteration)` is its value at the global iteration
 * `epoch * iterationsPerEpoch + step in the epoch`, which `StepContext.iteration` holds. Values
 * that change once per epoch (iBOT's teacher temperature) are expanded to iterations when the
 * schedule is built (`perEpoch` and `cosineSchedule({ updateEvery: 'epoch' })` of
 * `@selfsup/optim`), so a schedule is never read by epoch.
 */
export interface Schedule {
  /**
   * The unit of `at` and `length`: iterations, the only one. Optional for schedules written by
   * hand; a table of per-epoch values says `'epoch'` and is therefore not a `Schedule`.
   */
  readonly unit?: 'iteration';
  /** Iterations it is defined for; `at` gives the last value beyond the end. */
  readonly length: number;
  /** The value at a global iteration (an integer from 0). */
  at(iteration: number): number;
}
