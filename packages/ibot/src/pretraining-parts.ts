import * as tf from '@tensorflow/tfjs-core';
import { SslError, type Module, type Parameter, type Schedule } from '@selfsup/core';
import { createVit, type Vit } from '@selfsup/backbones';
import { createMultiCrop, smallGrayscalePreset, type MultiCrop, type MultiCropViews } from '@selfsup/augment';
import { cosineSchedule, createAdamW, createParameterGroups, type AdamW, type ParameterGroupsOptions } from '@selfsup/optim';
import { teacherTemperatureSchedule } from '@selfsup/losses';
import type { GradientOptions } from '@selfsup/train';
import type { z } from 'zod';
import type { augmentationConfigSchema, backboneConfigSchema, IbotConfig } from './ibot-config.js';
import type { ImageBatch } from './pretraining.js';

// The pieces every `create<Method>Pretraining` wires the same way: images from a batch, the ViT
// of a backbone configuration, the multi-crop views, AdamW with the DINO/iBOT schedules, and the
// gradient options (clipping, last-layer freezing).

/** A validated backbone section (`backboneConfigSchema`). */
export type BackboneConfig = z.output<typeof backboneConfigSchema>;
/** A validated multi-crop section (`augmentationConfigSchema`). */
export type AugmentationConfig = z.output<typeof augmentationConfigSchema>;

/** The optimizer settings {@link createScheduledAdamW} reads (the `optimizer` section of a config). */
export interface ScheduledAdamWSettings {
  /** Base learning rate for a batch of 256 (linear scaling rule). */
  readonly learningRate: number;
  /** The learning rate the cosine decays to. */
  readonly minLearningRate: number;
  /** Epochs of linear warm-up from 0 (capped at the run length). */
  readonly warmupEpochs: number;
  /** Weight decay at the start of the cosine. */
  readonly weightDecay: number;
  /** Weight decay at the end (equal to `weightDecay` for a constant one). */
  readonly weightDecayEnd: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
}

/** The length of a run, as {@link createScheduledAdamW} needs it. */
export interface RunLength {
  readonly batchSize: number;
  readonly epochs: number;
  readonly iterationsPerEpoch: number;
}

/** Throws `INVALID_ARGUMENT` unless `iterationsPerEpoch` is a positive integer. */
export function checkIterationsPerEpoch(where: string, iterationsPerEpoch: number): number {
  if (!Number.isInteger(iterationsPerEpoch) || iterationsPerEpoch < 1) {
    throw new SslError(
      'INVALID_ARGUMENT',
      `${where}(iterationsPerEpoch): expected a positive integer (the data loader's batchesPerEpoch), got ${iterationsPerEpoch}.`,
    );
  }
  return iterationsPerEpoch;
}

/** Throws `INVALID_CONFIG` unless `mean` and `std` have one value per image channel. */
export function checkNormalization(inChannels: number, mean: readonly number[], std: readonly number[], key = 'augmentation'): void {
  if (mean.length !== inChannels || std.length !== inChannels) {
    throw new SslError(
      'INVALID_CONFIG',
      `${key}.mean/std: expected ${inChannels} value(s) (backbone.inChannels), got ${mean.length} and ${std.length}.`,
    );
  }
}

/** Patches per side of a `size`-pixel crop; throws `INVALID_CONFIG` naming `key` unless `patchSize` divides it. */
export function patchGrid(size: number, patchSize: number, key: string): number {
  const grid = size / patchSize;
  if (!Number.isInteger(grid)) {
    throw new SslError('INVALID_CONFIG', `${key}: expected a multiple of backbone.patchSize (${patchSize}), got ${size}.`);
  }
  return grid;
}

/**
 * The images of a batch as floats: `[size, height, width, channels]` bytes -> the same shape in
 * [0, 1]. The caller owns the result.
 *
 * @example
 * ```ts
 * const images = imagesFromBatch(batch); // [B, 28, 28, 1] in [0, 1]
 * ```
 */
export function imagesFromBatch(batch: ImageBatch): tf.Tensor4D {
  return tf.tidy('imagesFromBatch', () =>
    tf.div(tf.tensor4d(batch.images, [batch.size, batch.height, batch.width, batch.channels], 'float32'), 255),
  );
}

/**
 * The ViT of a backbone configuration. The student of DINO/iBOT/BEiT has a mask token (BEiT, iBOT)
 * or not (DINO, MAE) and drop path; a teacher has neither.
 *
 * @example
 * ```ts
 * const student = createBackbone(config.backbone, { seed: 0, maskToken: false, dropPathRate: 0.1 });
 * ```
 */
export function createBackbone(b: BackboneConfig, options: { seed: number; maskToken: boolean; dropPathRate: number }): Vit {
  return createVit({
    preset: b.preset,
    imageSize: b.imageSize,
    patchSize: b.patchSize,
    inChannels: b.inChannels,
    ...(b.embedDim !== undefined ? { embedDim: b.embedDim } : {}),
    ...(b.depth !== undefined ? { depth: b.depth } : {}),
    ...(b.headCount !== undefined ? { headCount: b.headCount } : {}),
    dropPathRate: options.dropPathRate,
    layerScaleInit: b.layerScaleInit,
    maskToken: options.maskToken,
    seed: options.seed,
  });
}

/** The multi-crop augmentation of a configuration (DINO's transforms, sized for small grayscale images). */
export function createMultiCropFromConfig(a: AugmentationConfig): MultiCrop {
  return createMultiCrop(
    smallGrayscalePreset({
      imageSize: a.globalSize,
      localSize: a.localSize,
      globalCrops: a.globalCrops,
      localCrops: a.localCrops,
      globalScale: a.globalScale,
      localScale: a.localScale,
      mean: a.mean,
      std: a.std,
    }),
  );
}

/**
 * Stacks the views of a multi-crop, crop after crop, as the official multi-crop wrapper
 * concatenates them: `global` `[globalCrops * batch, H, W, C]` (`[crop0 of every image; crop1 of
 * every image; ...]`) and `local` `[localCrops * batch, h, w, C]` when there are local crops. The
 * inputs are not disposed; the caller owns the result.
 */
export function stackCrops(views: MultiCropViews): { global: tf.Tensor4D; local?: tf.Tensor4D } {
  return tf.tidy('stackCrops', () => ({
    global: tf.concat(views.global) as tf.Tensor4D,
    ...(views.local.length > 0 ? { local: tf.concat(views.local) as tf.Tensor4D } : {}),
  }));
}

/**
 * AdamW over `parameters` with the official parameter groups (no weight decay on biases and 1-D
 * tensors) and the schedules of DINO, iBOT and BEiT, one value per iteration: the learning rate
 * `learningRate * batchSize / 256` (linear scaling rule) reached after a linear warm-up from 0, then
 * a cosine to `minLearningRate`; the weight decay a cosine from `weightDecay` to `weightDecayEnd`.
 * `groups` changes the grouping (e.g. BEiT also exempts `pos_embed` and `cls_token` from decay).
 *
 * @example
 * ```ts
 * const optimizer = createScheduledAdamW(recipe.trainableParameters(), config.optimizer, {
 *   batchSize: config.batchSize, epochs: config.epochs, iterationsPerEpoch,
 * });
 * ```
 */
export function createScheduledAdamW(
  parameters: readonly Parameter[],
  o: ScheduledAdamWSettings,
  run: RunLength,
  groups: ParameterGroupsOptions = {},
): AdamW {
  const { batchSize, epochs, iterationsPerEpoch } = run;
  return createAdamW({
    groups: createParameterGroups(parameters, groups),
    learningRate: cosineSchedule({
      baseValue: (o.learningRate * batchSize) / 256,
      finalValue: o.minLearningRate,
      epochs,
      iterationsPerEpoch,
      warmupEpochs: Math.min(o.warmupEpochs, epochs),
    }),
    weightDecay: cosineSchedule({ baseValue: o.weightDecay, finalValue: o.weightDecayEnd, epochs, iterationsPerEpoch }),
    betas: o.betas,
    eps: o.eps,
  });
}

/**
 * DINO's and iBOT's gradient handling: each parameter's gradient clipped to `clipGradient` on its
 * own (0 disables it), and the projection head's last layer frozen for `freezeLastLayerEpochs`.
 */
export function lastLayerGradients(o: { readonly clipGradient: number; readonly freezeLastLayerEpochs: number }): GradientOptions {
  return {
    ...(o.clipGradient > 0 ? { clipPerParameter: o.clipGradient } : {}),
    freeze: [{ match: (name: string) => name.includes('last_layer'), untilEpoch: o.freezeLastLayerEpochs }],
  };
}

/**
 * iBOT's teacher temperatures per epoch (`teacher_temp_schedule`, `teacher_temp2_schedule`): the
 * [CLS] one warms up from epoch 0, the patch one from `masking.startEpoch` (`mim_start_epoch`),
 * each warm-up capped at the run length.
 */
export function ibotTeacherTemperatures(config: Pick<IbotConfig, 'loss' | 'epochs' | 'masking'>): { classTemperature: Schedule; patchTemperature: Schedule } {
  const l = config.loss;
  return {
    classTemperature: teacherTemperatureSchedule({
      warmupTemperature: l.warmupTeacherTemperature,
      temperature: l.teacherTemperature,
      warmupEpochs: Math.min(l.warmupTeacherTemperatureEpochs, config.epochs),
      epochs: config.epochs,
    }),
    patchTemperature: teacherTemperatureSchedule({
      warmupTemperature: l.warmupPatchTeacherTemperature,
      temperature: l.patchTeacherTemperature,
      warmupEpochs: Math.min(l.warmupTeacherTemperatureEpochs, config.epochs - config.masking.startEpoch),
      epochs: config.epochs,
      startEpoch: config.masking.startEpoch,
    }),
  };
}

/**
 * Several modules as one, their parameters listed in order under their own names (no prefix), as a
 * single PyTorch module holds them: MAE's `MaskedAutoencoderViT` (encoder then decoder) or BEiT's
 * ViT with its `lm_head`. Throws `INVALID_ARGUMENT` when two parameters share a name. Disposing the
 * whole disposes every part once.
 *
 * @example
 * ```ts
 * const mae = mergeModules(vit, decoder); // cls_token, ..., decoder_embed.weight, ...
 * ```
 */
export function mergeModules(...modules: Module[]): Module {
  const names = new Set<string>();
  for (const module of modules) {
    for (const p of module.parameters()) {
      if (names.has(p.name)) {
        throw new SslError('INVALID_ARGUMENT', `mergeModules: the parameter name "${p.name}" appears in two modules. Give one of them a prefix (combineModules of @selfsup/core).`);
      }
      names.add(p.name);
    }
  }
  return {
    parameters: () => modules.flatMap((m) => m.parameters()),
    dispose: () => {
      for (const module of new Set(modules)) module.dispose();
    },
  };
}
