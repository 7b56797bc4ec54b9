import * as tf from '@tensorflow/tfjs-core';
import { SslError, type StepContext } from '@selfsup/core';
import { createVit } from '@selfsup/backbones';
import { createIbotHead } from '@selfsup/heads';
import { teacherTemperatureSchedule } from '@selfsup/losses';
import { momentumSchedule } from '@selfsup/ema';
import { cosineSchedule, createAdamW, createParameterGroups } from '@selfsup/optim';
import { createMultiCrop, smallGrayscalePreset } from '@selfsup/augment';
import { createBlockMasking, createRandPatchMasking, tokenMaskToTensor } from '@selfsup/masking';
import type { GradientOptions } from '@selfsup/train';
import type { ImageBatch, Pretraining } from './pretraining.js';
import { ibotConfigSchema, type IbotConfig, type IbotConfigInput } from './ibot-config.js';
import { createIbotRecipe, type IbotNetwork, type IbotRecipe } from './ibot-recipe.js';
import type { IbotViews } from './ibot-views.js';
import { parseConfig } from './parse-config.js';

/** Everything `train()` of `@selfsup/train` needs to pretrain iBOT. */
export interface IbotPretraining extends Pretraining<IbotConfig> {
  readonly recipe: IbotRecipe<ImageBatch>;
}

/** Builds the student and teacher networks of a configuration. */
export function createIbotNetworks(config: IbotConfig): { student: IbotNetwork; teacher: IbotNetwork } {
  const b = config.backbone;
  const make = (maskToken: boolean, dropPathRate: number): IbotNetwork => {
    const backbone = createVit({
      preset: b.preset,
      imageSize: b.imageSize,
      patchSize: b.patchSize,
      inChannels: b.inChannels,
      ...(b.embedDim !== undefined ? { embedDim: b.embedDim } : {}),
      ...(b.depth !== undefined ? { depth: b.depth } : {}),
      ...(b.headCount !== undefined ? { headCount: b.headCount } : {}),
      dropPathRate,
      layerScaleInit: b.layerScaleInit,
      maskToken,
      seed: config.seed,
    });
    const head = createIbotHead({
      inDim: backbone.embedDim,
      outDim: config.head.outDim,
      patchOutDim: config.head.patchOutDim ?? config.head.outDim,
      hiddenDim: config.head.hiddenDim,
      bottleneckDim: config.head.bottleneckDim,
      layerCount: config.head.layerCount,
      normalizeLastLayer: config.head.normalizeLastLayer,
      sharedHead: config.head.sharedHead,
      seed: config.seed + 1,
    });
    return { backbone, head };
  };
  // the teacher has no mask token and no drop path (official: drop_path_rate only for the student)
  return { student: make(true, b.dropPathRate), teacher: make(false, 0) };
}

/**
 * Wires a configuration into an iBOT pretraining: the networks, multi-crop views with block masks
 * on the global crops, the teacher temperature, momentum, learning-rate and weight-decay
 * schedules, AdamW with the official parameter groups, clipping and last-layer freezing.
 *
 * @param input - a configuration (validated with zod; unknown keys and bad values are refused
 *   before anything is built).
 * @param iterationsPerEpoch - steps per epoch (the data loader's `batchesPerEpoch`).
 * @example
 * ```ts
 * const loader = createDataLoader({ dataset, batchSize: 128, shuffle: true, seed: 0, dropLast: true });
 * const run = createIbotPretraining(IBOT_FASHION_MNIST_REFERENCE, loader.batchesPerEpoch);
 * await train({ ...run, batches: (epoch, { startBatch }) => loader.epoch(epoch, { startBatch }),
 *   epochs: run.config.epochs, iterationsPerEpoch: loader.batchesPerEpoch });
 * ```
 */
export function createIbotPretraining(input: IbotConfigInput | IbotConfig, iterationsPerEpoch: number): IbotPretraining {
  const config = parseConfig(ibotConfigSchema, input, 'iBOT configuration');
  if (!Number.isInteger(iterationsPerEpoch) || iterationsPerEpoch < 1) {
    throw new SslError('INVALID_ARGUMENT', `createIbotPretraining(iterationsPerEpoch): expected a positive integer, got ${iterationsPerEpoch}.`);
  }
  const a = config.augmentation;
  if (a.mean.length !== config.backbone.inChannels || a.std.length !== config.backbone.inChannels) {
    throw new SslError(
      'INVALID_CONFIG',
      `augmentation.mean/std: expected ${config.backbone.inChannels} value(s) (backbone.inChannels), got ${a.mean.length} and ${a.std.length}.`,
    );
  }
  const { student, teacher } = createIbotNetworks(config);
  const multiCrop = createMultiCrop(
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
  const maskingOptions = {
    maskRatio: config.masking.ratio,
    maskRatioVariance: config.masking.variance,
    startEpoch: config.masking.startEpoch,
  };
  const masking = config.masking.shape === 'block' ? createBlockMasking(maskingOptions) : createRandPatchMasking(maskingOptions);
  const grid = a.globalSize / config.backbone.patchSize;
  if (!Number.isInteger(grid)) {
    throw new SslError(
      'INVALID_CONFIG',
      `augmentation.globalSize: expected a multiple of backbone.patchSize (${config.backbone.patchSize}), got ${a.globalSize}.`,
    );
  }

  const makeViews = (batch: ImageBatch, context: StepContext): IbotViews => {
    const maskRng = context.rng.fork();
    const viewRng = context.rng.fork();
    return tf.tidy('ibot.makeViews', () => {
      // bytes -> [B, H, W, C] in [0, 1]
      const images = tf.div(tf.tensor4d(batch.images, [batch.size, batch.height, batch.width, batch.channels], 'float32'), 255) as tf.Tensor4D;
      const views = multiCrop.views(images, viewRng);
      const mask = masking.sample(a.globalCrops * batch.size, { height: grid, width: grid }, maskRng, { epoch: context.epoch });
      return {
        global: tf.concat(views.global) as tf.Tensor4D,
        ...(views.local.length > 0 ? { local: tf.concat(views.local) as tf.Tensor4D } : {}),
        masks: tokenMaskToTensor(mask),
        globalCropCount: a.globalCrops,
      };
    });
  };

  const l = config.loss;
  const recipe = createIbotRecipe<ImageBatch>({
    student,
    teacher,
    makeViews,
    teacherTemperature: teacherTemperatureSchedule({
      warmupTemperature: l.warmupTeacherTemperature,
      temperature: l.teacherTemperature,
      warmupEpochs: Math.min(l.warmupTeacherTemperatureEpochs, config.epochs),
      epochs: config.epochs,
    }),
    patchTeacherTemperature: teacherTemperatureSchedule({
      warmupTemperature: l.warmupPatchTeacherTemperature,
      temperature: l.patchTeacherTemperature,
      warmupEpochs: Math.min(l.warmupTeacherTemperatureEpochs, config.epochs - config.masking.startEpoch),
      epochs: config.epochs,
      startEpoch: config.masking.startEpoch,
    }),
    teacherMomentum: momentumSchedule({
      base: config.teacher.momentum,
      final: config.teacher.finalMomentum,
      totalSteps: config.epochs * iterationsPerEpoch,
    }),
    studentTemperature: l.studentTemperature,
    classWeight: l.classWeight,
    patchWeight: l.patchWeight,
    centerMomentum: l.centerMomentum,
    patchCenterMomentum: l.patchCenterMomentum,
  });
  const o = config.optimizer;
  const optimizer = createAdamW({
    groups: createParameterGroups(recipe.trainableParameters()),
    // linear scaling rule: lr = base * batch / 256, linear warm-up then cosine (iBOT)
    learningRate: cosineSchedule({
      baseValue: (o.learningRate * config.batchSize) / 256,
      finalValue: o.minLearningRate,
      epochs: config.epochs,
      iterationsPerEpoch,
      warmupEpochs: Math.min(o.warmupEpochs, config.epochs),
    }),
    weightDecay: cosineSchedule({ baseValue: o.weightDecay, finalValue: o.weightDecayEnd, epochs: config.epochs, iterationsPerEpoch }),
    betas: o.betas,
    eps: o.eps,
  });
  const gradients: GradientOptions = {
    ...(o.clipGradient > 0 ? { clipPerParameter: o.clipGradient } : {}),
    freeze: [{ match: (name: string) => name.includes('last_layer'), untilEpoch: o.freezeLastLayerEpochs }],
  };
  return {
    method: 'ibot',
    config,
    recipe,
    optimizer,
    gradients,
    backbones: () => ({ student: student.backbone, teacher: teacher.backbone }),
    dispose: () => {
      recipe.dispose();
      optimizer.dispose();
    },
  };
}
