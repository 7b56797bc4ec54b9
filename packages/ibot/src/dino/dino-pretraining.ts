import { createDinoHead } from '@selfsup/heads';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageBatch, Pretraining } from '../pretraining.js';
import { dinoConfigSchema, type DinoConfig, type DinoConfigInput } from './dino-config.js';
import { createDinoRecipe, type DinoNetwork, type DinoRecipe } from './dino-recipe.js';
import { parseConfig } from '../parse-config.js';
import { stackCrops } from '@selfsup/augment';
import { cosineSchedule, createScheduledAdamW } from '@selfsup/optim';
import { checkIterationsPerEpoch } from '../check-iterations-per-epoch.js';
import { checkNormalization } from '../check-normalization.js';
import { createMethodBackbone } from '../create-backbone.js';
import { createMultiCropFromConfig } from '../create-multi-crop-from-config.js';
import { imagesFromBatch } from '../images-from-batch.js';
import { lastLayerGradients } from '../last-layer-gradients.js';
import { patchGrid } from '../patch-grid.js';

/** Everything `train()` of `@selfsup/train` needs to pretrain DINO. */
export interface DinoPretraining extends Pretraining<DinoConfig> {
  readonly recipe: DinoRecipe<ImageBatch>;
}

/** Builds the student and teacher networks of a DINO configuration (no mask token; drop path on the student only). */
export function createDinoNetworks(config: DinoConfig): { student: DinoNetwork; teacher: DinoNetwork } {
  const make = (dropPathRate: number): DinoNetwork => {
    const backbone = createMethodBackbone(config.backbone, { seed: config.seed, maskToken: false, dropPathRate });
    const head = createDinoHead({
      inDim: backbone.embedDim,
      outDim: config.head.outDim,
      hiddenDim: config.head.hiddenDim,
      bottleneckDim: config.head.bottleneckDim,
      layerCount: config.head.layerCount,
      normalizeLastLayer: config.head.normalizeLastLayer,
      seed: config.seed + 1,
    });
    return { backbone, head };
  };
  return { student: make(config.backbone.dropPathRate), teacher: make(0) };
}

/**
 * Wires a configuration into a DINO pretraining: the networks, multi-crop views (no masks), the
 * teacher temperature and momentum schedules, AdamW with the official parameter groups and
 * schedules, per-parameter clipping and last-layer freezing. `loss.centering` and
 * `loss.koleoWeight` turn on DINOv2's Sinkhorn-Knopp centring and KoLeo regulariser.
 *
 * @param input - a configuration (validated with zod before anything is built).
 * @param iterationsPerEpoch - steps per epoch (the data loader's `batchesPerEpoch`).
 * @example
 * ```ts
 * const run = createDinoPretraining(DINO_FASHION_MNIST_REFERENCE, loader.batchesPerEpoch);
 * await train({ ...run, batches: (epoch, position) => loader.epoch(epoch, position),
 *   epochs: run.config.epochs, iterationsPerEpoch: loader.batchesPerEpoch });
 * ```
 */
export function createDinoPretraining(input: DinoConfigInput | DinoConfig, iterationsPerEpoch: number): DinoPretraining {
  const config = parseConfig(dinoConfigSchema, input, 'DINO configuration');
  checkIterationsPerEpoch('createDinoPretraining', iterationsPerEpoch);
  const a = config.augmentation;
  checkNormalization(config.backbone.inChannels, a.mean, a.std);
  patchGrid(a.globalSize, config.backbone.patchSize, 'augmentation.globalSize');
  if (a.localCrops > 0) patchGrid(a.localSize, config.backbone.patchSize, 'augmentation.localSize');
  const { student, teacher } = createDinoNetworks(config);
  const multiCrop = createMultiCropFromConfig(a);
  const l = config.loss;
  const recipe = createDinoRecipe<ImageBatch>({
    student,
    teacher,
    makeViews: (batch, context) => {
      const viewRng = context.rng.fork();
      return tf.tidy('dino.makeViews', () => ({ ...stackCrops(multiCrop.views(imagesFromBatch(batch), viewRng)), globalCropCount: a.globalCrops }));
    },
    // DINO reads its teacher temperature per epoch (teacher_temp_schedule[epoch])
    teacherTemperature: cosineSchedule({
      baseValue: l.teacherTemperature,
      finalValue: l.teacherTemperature,
      startWarmupValue: l.warmupTeacherTemperature,
      warmupEpochs: Math.min(l.warmupTeacherTemperatureEpochs, config.epochs),
      epochs: config.epochs,
      iterationsPerEpoch,
      updateEvery: 'epoch',
    }),
    teacherMomentum: cosineSchedule({ baseValue: config.teacher.momentum, finalValue: config.teacher.finalMomentum, epochs: config.epochs, iterationsPerEpoch }),
    studentTemperature: l.studentTemperature,
    centerMomentum: l.centerMomentum,
    centering: l.centering,
    sinkhornIterations: l.sinkhornIterations,
    koleoWeight: l.koleoWeight,
  });
  const optimizer = createScheduledAdamW(recipe.trainableParameters(), config.optimizer, {
    batchSize: config.batchSize,
    epochs: config.epochs,
    iterationsPerEpoch,
  });
  return {
    method: 'dino',
    config,
    recipe,
    optimizer,
    gradients: lastLayerGradients(config.optimizer),
    backbones: () => ({ student: student.backbone, teacher: teacher.backbone }),
    dispose: () => {
      recipe.dispose();
      optimizer.dispose();
    },
  };
}
