import * as tf from '@tensorflow/tfjs-core';
import type { StepContext } from '@selfsup/core';
import { createIbotHead } from '@selfsup/heads';
import { createBlockMasking, createRandPatchMasking, tokenMaskToTensor } from '@selfsup/masking';
import { stackCrops } from '@selfsup/augment';
import { cosineSchedule, createScheduledAdamW } from '@selfsup/optim';
import type { ImageBatch, Pretraining } from '../pretraining.js';
import { parseConfig } from '../parse-config.js';
import { checkIterationsPerEpoch } from '../check-iterations-per-epoch.js';
import { checkNormalization } from '../check-normalization.js';
import { createMethodBackbone } from '../create-backbone.js';
import { createMultiCropFromConfig } from '../create-multi-crop-from-config.js';
import { imagesFromBatch } from '../images-from-batch.js';
import { lastLayerGradients } from '../last-layer-gradients.js';
import { patchGrid } from '../patch-grid.js';
import { ibotConfigSchema, type IbotConfig, type IbotConfigInput } from './ibot-config.js';
import { createIbotRecipe, type IbotNetwork, type IbotRecipe } from './ibot-recipe.js';
import { ibotTeacherTemperatures } from './ibot-teacher-temperatures.js';
import type { IbotViews } from './ibot-views.js';

/** Everything `train()` of `@selfsup/train` needs to pretrain iBOT. */
export interface IbotPretraining extends Pretraining<IbotConfig> {
  readonly recipe: IbotRecipe<ImageBatch>;
}

/** Builds the student and teacher networks of a configuration. */
export function createIbotNetworks(config: IbotConfig): { student: IbotNetwork; teacher: IbotNetwork } {
  const make = (maskToken: boolean, dropPathRate: number): IbotNetwork => {
    const backbone = createMethodBackbone(config.backbone, { seed: config.seed, maskToken, dropPathRate });
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
  return { student: make(true, config.backbone.dropPathRate), teacher: make(false, 0) };
}

/**
 * Where the masks of `globalSize` crops are sampled: the backbone's own rule (a ViT's patch grid,
 * a Swin's last-stage grid). Disposes the networks when the backbone refuses the size.
 */
function maskGridOf(student: IbotNetwork, teacher: IbotNetwork, globalSize: number): readonly [number, number] {
  try {
    return student.backbone.maskGrid(globalSize, globalSize);
  } catch (error) {
    for (const network of [student, teacher]) {
      network.backbone.dispose();
      network.head.dispose();
    }
    throw error;
  }
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
  checkIterationsPerEpoch('createIbotPretraining', iterationsPerEpoch);
  const a = config.augmentation;
  checkNormalization(config.backbone.inChannels, a.mean, a.std);
  patchGrid(a.globalSize, config.backbone.patchSize, 'augmentation.globalSize');
  const { student, teacher } = createIbotNetworks(config);
  const multiCrop = createMultiCropFromConfig(a);
  const maskingOptions = {
    maskRatio: config.masking.ratio,
    maskRatioVariance: config.masking.variance,
    startEpoch: config.masking.startEpoch,
  };
  const masking = config.masking.shape === 'block' ? createBlockMasking(maskingOptions) : createRandPatchMasking(maskingOptions);
  const [gridHeight, gridWidth] = maskGridOf(student, teacher, a.globalSize);

  const makeViews = (batch: ImageBatch, context: StepContext): IbotViews => {
    const maskRng = context.rng.fork();
    const viewRng = context.rng.fork();
    return tf.tidy('ibot.makeViews', () => {
      const crops = stackCrops(multiCrop.views(imagesFromBatch(batch), viewRng));
      const mask = masking.sample(a.globalCrops * batch.size, { height: gridHeight, width: gridWidth }, maskRng, { epoch: context.epoch });
      return { ...crops, masks: tokenMaskToTensor(mask), globalCropCount: a.globalCrops };
    });
  };

  const l = config.loss;
  const { classTemperature, patchTemperature } = ibotTeacherTemperatures(config, iterationsPerEpoch);
  const recipe = createIbotRecipe<ImageBatch>({
    student,
    teacher,
    makeViews,
    teacherTemperature: classTemperature,
    patchTeacherTemperature: patchTemperature,
    teacherMomentum: cosineSchedule({
      baseValue: config.teacher.momentum,
      finalValue: config.teacher.finalMomentum,
      epochs: config.epochs,
      iterationsPerEpoch,
    }),
    studentTemperature: l.studentTemperature,
    classWeight: l.classWeight,
    patchWeight: l.patchWeight,
    centerMomentum: l.centerMomentum,
    patchCenterMomentum: l.patchCenterMomentum,
  });
  const optimizer = createScheduledAdamW(recipe.trainableParameters(), config.optimizer, {
    batchSize: config.batchSize,
    epochs: config.epochs,
    iterationsPerEpoch,
  });
  const gradients = lastLayerGradients(config.optimizer);
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
