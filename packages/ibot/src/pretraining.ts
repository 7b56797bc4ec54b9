import type { Backbone, Recipe } from '@selfsup/core';
import type { AdamW } from '@selfsup/optim';
import type { GradientOptions } from '@selfsup/train';

/** A batch of images a pretraining takes: NHWC bytes, as `@selfsup/data`'s loader yields. */
export interface ImageBatch {
  /** `[size, height, width, channels]` pixels, 0-255. */
  readonly images: Uint8Array;
  readonly size: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/**
 * Everything `train()` of `@selfsup/train` needs to pretrain with one method (iBOT, DINO,
 * BEiT-style, MAE-style, or your own), as returned by `createIbotPretraining` and its siblings.
 */
export interface Pretraining<Config = unknown> {
  /** The method's name (`ibot`, `dino`, `beit`, `mae`). */
  readonly method: string;
  /** The validated configuration, defaults filled in. */
  readonly config: Config;
  readonly recipe: Recipe<ImageBatch, unknown, unknown, unknown>;
  /** The optimizer over the recipe's trainable parameters, with its schedules. */
  readonly optimizer: AdamW;
  /** Clipping and freezing, as the method's official loop does. */
  readonly gradients: GradientOptions;
  /** The backbones whose features are evaluated and exported (the teacher when there is one). */
  backbones(): { readonly student: Backbone; readonly teacher?: Backbone };
  /** Disposes the recipe and the optimizer. */
  dispose(): void;
}
