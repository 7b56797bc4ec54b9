import { z } from 'zod';
import { augmentationConfigSchema } from '../augmentation-config.js';
import { backboneConfigSchema } from '../backbone-config.js';
import { headConfigSchema } from '../head-config.js';
import { optimizerConfigSchema } from '../optimizer-config.js';
import { teacherConfigSchema } from '../teacher-config.js';
import { rangeSchema } from '../range-schema.js';
import { seedSchema } from '../seed-schema.js';

/** DINO's head: the iBOT head's fields without the patch output, 65536 prototypes. */
export const dinoHeadConfigSchema = headConfigSchema.omit({ patchOutDim: true, sharedHead: true }).extend({
  outDim: z.number().int().positive().default(65536).describe('Prototypes (DINO: 65536)'),
});

/** DINO's multi-crop: `main_dino.py`'s crop scales and 8 local crops. */
export const dinoAugmentationConfigSchema = augmentationConfigSchema.extend({
  globalScale: rangeSchema(0, 1).default([0.4, 1]).describe('Global crop area range (DINO: 0.4-1)'),
  localCrops: z.number().int().min(0).default(8).describe('Local crops per image (DINO: 8)'),
  localScale: rangeSchema(0, 1).default([0.05, 0.4]).describe('Local crop area range (DINO: 0.05-0.4)'),
});

/** The DINO loss, its teacher targets, and DINOv2's [CLS]-side options. */
export const dinoLossConfigSchema = z.strictObject({
  studentTemperature: z.number().positive().default(0.1).describe('Student softmax temperature'),
  warmupTeacherTemperature: z.number().positive().default(0.04).describe('Initial teacher temperature'),
  teacherTemperature: z.number().positive().default(0.07).describe('Teacher temperature after warm-up (DINO: 0.04 to 0.07)'),
  warmupTeacherTemperatureEpochs: z.number().int().min(0).default(30).describe('Epochs of the linear teacher-temperature warm-up'),
  centerMomentum: z.number().min(0).max(1).default(0.9).describe('Momentum of the running centre'),
  centering: z
    .enum(['center', 'sinkhorn-knopp'])
    .default('center')
    .describe("Keep the teacher from collapsing with DINO's running centre or DINOv2's Sinkhorn-Knopp"),
  sinkhornIterations: z.number().int().min(0).default(3).describe('Sinkhorn-Knopp iterations (DINOv2: 3)'),
  koleoWeight: z.number().min(0).default(0).describe("Weight of DINOv2's KoLeo regulariser on the student's [CLS] (DINOv2: 0.1; 0 disables)"),
});

/** A complete DINO pretraining configuration; every field has the paper's (or the reference run's) default. */
export const dinoConfigSchema = z.strictObject({
  seed: seedSchema('Seed of weights, data order and views'),
  epochs: z.number().int().positive().default(2),
  batchSize: z.number().int().positive().default(128),
  backbone: backboneConfigSchema.default(backboneConfigSchema.parse({})),
  head: dinoHeadConfigSchema.default(dinoHeadConfigSchema.parse({})),
  augmentation: dinoAugmentationConfigSchema.default(dinoAugmentationConfigSchema.parse({})),
  loss: dinoLossConfigSchema.default(dinoLossConfigSchema.parse({})),
  optimizer: optimizerConfigSchema.default(optimizerConfigSchema.parse({})),
  teacher: teacherConfigSchema.default(teacherConfigSchema.parse({})),
});

/** A validated DINO configuration with every default filled in. */
export type DinoConfig = z.output<typeof dinoConfigSchema>;
/** What a user writes: every field optional. */
export type DinoConfigInput = z.input<typeof dinoConfigSchema>;

/**
 * DINO on Fashion-MNIST at the scale of the iBOT reference run, so the two compare directly: the
 * same ViT (dim 128, depth 4, heads 4, patch 4, 28x28 grayscale), head (hidden 512, bottleneck
 * 128, 1024 prototypes), crops (2 global at 28 with scale 0.25-1, 4 local at 16 with 0.05-0.25),
 * batch, optimizer and teacher, without masks and without the patch loss; teacher temperature
 * 0.04 as in the iBOT reference.
 */
export const DINO_FASHION_MNIST_REFERENCE: DinoConfigInput = {
  seed: 0,
  epochs: 2,
  batchSize: 128,
  backbone: { imageSize: 28, patchSize: 4, inChannels: 1, embedDim: 128, depth: 4, headCount: 4 },
  head: { outDim: 1024, hiddenDim: 512, bottleneckDim: 128, normalizeLastLayer: true },
  augmentation: { globalCrops: 2, globalSize: 28, globalScale: [0.25, 1], localCrops: 4, localSize: 16, localScale: [0.05, 0.25] },
  loss: { teacherTemperature: 0.04, warmupTeacherTemperature: 0.04 },
  optimizer: { learningRate: 1e-3, warmupEpochs: 1, weightDecay: 0.04, weightDecayEnd: 0.4, clipGradient: 3 },
  teacher: { momentum: 0.996, finalMomentum: 1 },
};
