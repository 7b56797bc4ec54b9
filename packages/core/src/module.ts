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
  /** `[batch, dim]`: the normalised [CLS] token. */
  readonly classToken: tf.Tensor2D;
  /** `[batch, tokens, dim]`: the normalised patch tokens (the kept ones only, with `keepIndices`). */
  readonly patchTokens: tf.Tensor3D;
}

/** Options of {@link Backbone.encode}. */
export interface EncodeOptions {
  /**
   * `[batch, patches]`, 1 where a patch is masked: its embedding is replaced by the learned mask
   * token before the position embeddings are added (iBOT, BEiT). Not with `keepIndices`.
   */
  readonly tokenMask?: tf.Tensor2D;
  /**
   * `[batch, kept]` int32 patch indices: only these patches are encoded, in this order (MAE).
   * Not with `tokenMask`.
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

/** A vision backbone: NHWC images in, named token features out. */
export interface Backbone extends Module {
  /** The token width. */
  readonly embedDim: number;
  /** The side of a square patch, in pixels. */
  readonly patchSize: number;
  /** The image channels it takes (3 for RGB, 1 for grayscale). */
  readonly inChannels: number;
  /**
   * Encodes `images` (`[batch, height, width, channels]`, NHWC) into named features. The caller
   * owns the returned tensors.
   */
  encode(images: tf.Tensor4D, options?: EncodeOptions): BackboneFeatures;
}

/**
 * A hyper-parameter that changes over training: learning rate, weight decay, teacher momentum or
 * temperature. `at(step)` is its value at an iteration (or epoch, as the schedule documents).
 */
export interface Schedule {
  /** Steps it is defined for; `at` clamps beyond the end to the last value. */
  readonly length: number;
  at(step: number): number;
}
