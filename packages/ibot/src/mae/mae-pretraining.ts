import * as tf from '@tensorflow/tfjs-core';
import { checkInteger, checkNumber, type Schedule, type StepContext } from '@selfsup/core';
import { createMaeDecoder } from '@selfsup/heads';
import { cosineSchedule, createAdamW, createParameterGroups } from '@selfsup/optim';
import { createMultiCrop, maeAugmentation } from '@selfsup/augment';
import { createRandomMasking, keepIndicesToTensor, restoreIndicesToTensor, tokenMaskToTensor } from '@selfsup/masking';
import type { GradientOptions } from '@selfsup/train';
import type { ImageBatch, Pretraining } from '../pretraining.js';
import { maeConfigSchema, type MaeConfig, type MaeConfigInput } from './mae-config.js';
import { createMaeRecipe, type MaeRecipe, type MaeViews } from './mae-recipe.js';
import { parseConfig } from '../parse-config.js';
import { checkIterationsPerEpoch } from '../check-iterations-per-epoch.js';
import { checkNormalization } from '../check-normalization.js';
import { createMethodBackbone } from '../create-backbone.js';
import { imagesFromBatch } from '../images-from-batch.js';
import { patchGrid } from '../patch-grid.js';

/** Everything `train()` of `@selfsup/train` needs to pretrain a masked autoencoder. */
export interface MaePretraining extends Pretraining<MaeConfig> {
  readonly recipe: MaeRecipe<ImageBatch>;
}

/**
 * Options of {@link maeLearningRateSchedule}.
 *
 * @deprecated Use `cosineSchedule` of `@selfsup/optim`; see {@link maeLearningRateSchedule}.
 */
export interface MaeLearningRateScheduleOptions {
  /** The peak learning rate (`args.lr`, already scaled by the batch size). */
  learningRate: number;
  /** @defaultValue 0 */
  minLearningRate?: number;
  /** Epochs of linear warm-up from 0; may be fractional. */
  warmupEpochs: number;
  epochs: number;
  iterationsPerEpoch: number;
}

/**
 * MAE's learning rate per iteration (`util/lr_sched.adjust_learning_rate`, called with the
 * fractional epoch `t = iteration / iterationsPerEpoch`): `lr * t / warmup` during the warm-up,
 * then a half-cycle cosine `min + (lr - min) * (1 + cos(pi * (t - warmup) / (epochs - warmup))) / 2`.
 *
 * @deprecated It is the one schedule curve with MAE's warm-up, which
 * `createMaePretraining` builds itself: `cosineSchedule({ baseValue: learningRate, finalValue:
 * minLearningRate, warmupEpochs, epochs, iterationsPerEpoch, warmupIncludesBase: false })`
 * (`@selfsup/optim`).
 */
export function maeLearningRateSchedule(options: MaeLearningRateScheduleOptions): Schedule {
  const where = 'maeLearningRateSchedule';
  const learningRate = checkNumber(`${where}(options.learningRate)`, options.learningRate, 0);
  const minLearningRate = checkNumber(`${where}(options.minLearningRate)`, options.minLearningRate ?? 0, 0);
  const epochs = checkInteger(`${where}(options.epochs)`, options.epochs, 1);
  const warmupEpochs = checkNumber(`${where}(options.warmupEpochs)`, options.warmupEpochs, 0, epochs);
  return cosineSchedule({
    baseValue: learningRate,
    finalValue: minLearningRate,
    warmupEpochs,
    epochs,
    iterationsPerEpoch: options.iterationsPerEpoch,
    warmupIncludesBase: false,
  });
}

/**
 * Wires a configuration into a masked-autoencoder pretraining: the encoder (no mask token, fixed
 * sine-cosine position embeddings by default) and decoder, one random-resized-crop view per image
 * with MAE's random mask (`keepIndices`, `restoreIndices`), AdamW with MAE's betas, constant weight
 * decay and learning-rate schedule, and no clipping unless `optimizer.clipGradient` (global norm).
 *
 * @param input - a configuration (validated with zod before anything is built).
 * @param iterationsPerEpoch - steps per epoch (the data loader's `batchesPerEpoch`).
 * @example
 * ```ts
 * const run = createMaePretraining(MAE_FASHION_MNIST_REFERENCE, loader.batchesPerEpoch);
 * await train({ ...run, batches: (epoch, position) => loader.epoch(epoch, position),
 *   epochs: run.config.epochs, iterationsPerEpoch: loader.batchesPerEpoch });
 * ```
 */
export function createMaePretraining(input: MaeConfigInput | MaeConfig, iterationsPerEpoch: number): MaePretraining {
  const config = parseConfig(maeConfigSchema, input, 'MAE configuration');
  checkIterationsPerEpoch('createMaePretraining', iterationsPerEpoch);
  const { backbone: b, augmentation: a, decoder: d, optimizer: o } = config;
  checkNormalization(b.inChannels, a.mean, a.std);
  const grid = patchGrid(a.size, b.patchSize, 'augmentation.size');
  const backbone = createMethodBackbone(b, { seed: config.seed, maskToken: false, dropPathRate: b.dropPathRate });
  const decoder = createMaeDecoder({
    embedDim: backbone.embedDim,
    decoderEmbedDim: d.embedDim,
    depth: d.depth,
    headCount: d.headCount,
    mlpRatio: d.mlpRatio,
    imageSize: a.size,
    patchSize: b.patchSize,
    inChannels: b.inChannels,
    seed: config.seed + 1,
  });
  const crop = createMultiCrop(maeAugmentation({ imageSize: a.size, scale: a.scale, mean: a.mean, std: a.std }));
  const masking = createRandomMasking({ maskRatio: config.masking.ratio });
  const makeViews = (batch: ImageBatch, context: StepContext): MaeViews => {
    const maskRng = context.rng.fork();
    const viewRng = context.rng.fork();
    const sample = masking.sampleWithIndices(batch.size, grid, maskRng);
    return tf.tidy('mae.makeViews', () => ({
      images: crop.views(imagesFromBatch(batch), viewRng).global[0]!,
      keepIndices: keepIndicesToTensor(sample),
      restoreIndices: restoreIndicesToTensor(sample),
      mask: tokenMaskToTensor(sample.mask),
    }));
  };
  const recipe = createMaeRecipe<ImageBatch>({ backbone, decoder, makeViews, normalizePixels: config.loss.normalizePixels, positionEmbedding: b.positionEmbedding });
  const optimizer = createAdamW({
    groups: createParameterGroups(recipe.trainableParameters()),
    // MAE's effective learning rate blr * batch / 256, warmed up by fractional epoch
    // (lr_sched.adjust_learning_rate), then a half-cycle cosine
    learningRate: cosineSchedule({
      baseValue: (o.learningRate * config.batchSize) / 256,
      finalValue: o.minLearningRate,
      warmupEpochs: Math.min(o.warmupEpochs, config.epochs),
      epochs: config.epochs,
      iterationsPerEpoch,
      warmupIncludesBase: false,
    }),
    weightDecay: o.weightDecay,
    betas: o.betas,
    eps: o.eps,
  });
  const gradients: GradientOptions = o.clipGradient > 0 ? { clipGlobalNorm: o.clipGradient } : {};
  return {
    method: 'mae',
    config,
    recipe,
    optimizer,
    gradients,
    backbones: () => ({ student: backbone }),
    dispose: () => {
      recipe.dispose();
      optimizer.dispose();
    },
  };
}
