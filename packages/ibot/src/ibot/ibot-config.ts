import { z } from 'zod';
import { augmentationConfigSchema } from '../augmentation-config.js';
import { backboneConfigSchema } from '../backbone-config.js';
import { headConfigSchema } from '../head-config.js';
import { optimizerConfigSchema } from '../optimizer-config.js';
import { teacherConfigSchema } from '../teacher-config.js';
import { seedSchema } from '../seed-schema.js';

/** Block-wise masking of the student's global crops. */
export const maskingConfigSchema = z.strictObject({
  shape: z.enum(['block', 'rand']).default('block').describe('iBOT pred_shape'),
  ratio: z.union([z.number().min(0).max(1), z.array(z.number().min(0).max(1)).min(1)]).default([0, 0.3]).describe('pred_ratio (a list: one per image at random)'),
  variance: z.union([z.number().min(0).max(1), z.array(z.number().min(0).max(1)).min(1)]).default([0, 0.2]).describe('pred_ratio_var'),
  startEpoch: z.number().int().min(0).default(0).describe('pred_start_epoch: no masking before it'),
});

/** The iBOT loss and teacher targets. */
export const lossConfigSchema = z.strictObject({
  studentTemperature: z.number().positive().default(0.1),
  warmupTeacherTemperature: z.number().positive().default(0.04).describe('Initial teacher [CLS] temperature'),
  teacherTemperature: z.number().positive().default(0.04).describe('Teacher [CLS] temperature after warm-up'),
  warmupPatchTeacherTemperature: z.number().positive().default(0.04),
  patchTeacherTemperature: z.number().positive().default(0.07),
  warmupTeacherTemperatureEpochs: z.number().int().min(0).default(30),
  classWeight: z.number().min(0).default(1).describe('lambda1'),
  patchWeight: z.number().min(0).default(1).describe('lambda2'),
  centerMomentum: z.number().min(0).max(1).default(0.9),
  patchCenterMomentum: z.number().min(0).max(1).default(0.9),
});

/** A complete iBOT pretraining configuration; every field has the paper's (or the reference run's) default. */
export const ibotConfigSchema = z.strictObject({
  seed: seedSchema('Seed of weights, data order, views and masks'),
  epochs: z.number().int().positive().default(2),
  batchSize: z.number().int().positive().default(128),
  backbone: backboneConfigSchema.default(backboneConfigSchema.parse({})),
  head: headConfigSchema.default(headConfigSchema.parse({})),
  augmentation: augmentationConfigSchema.default(augmentationConfigSchema.parse({})),
  masking: maskingConfigSchema.default(maskingConfigSchema.parse({})),
  loss: lossConfigSchema.default(lossConfigSchema.parse({})),
  optimizer: optimizerConfigSchema.default(optimizerConfigSchema.parse({})),
  teacher: teacherConfigSchema.default(teacherConfigSchema.parse({})),
});

/** A validated iBOT configuration with every default filled in. */
export type IbotConfig = z.output<typeof ibotConfigSchema>;
/** What a user writes: every field optional. */
export type IbotConfigInput = z.input<typeof ibotConfigSchema>;

/**
 * The reference configuration of the Fashion-MNIST comparison with the official iBOT modules: ViT
 * dim 128, depth 4, heads 4, patch 4, 28x28 grayscale; shared head (hidden 512, bottleneck 128,
 * 1024 prototypes); 2 global crops at 28 (scale 0.25-1), 4 local crops at 16 (0.05-0.25); block
 * masks with ratio 0 or 0.3 +- 0.2; batch 128; AdamW at 1e-3 x batch/256 with 1 warm-up epoch;
 * weight decay 0.04 to 0.4; teacher momentum 0.996 to 1; teacher temperature 0.04 (patches 0.04
 * to 0.07); clip 3.0; 2 epochs.
 */
export const IBOT_FASHION_MNIST_REFERENCE: IbotConfigInput = {
  seed: 0,
  epochs: 2,
  batchSize: 128,
  backbone: { imageSize: 28, patchSize: 4, inChannels: 1, embedDim: 128, depth: 4, headCount: 4 },
  head: { outDim: 1024, hiddenDim: 512, bottleneckDim: 128, sharedHead: true, normalizeLastLayer: true },
  augmentation: { globalCrops: 2, globalSize: 28, globalScale: [0.25, 1], localCrops: 4, localSize: 16, localScale: [0.05, 0.25] },
  masking: { shape: 'block', ratio: [0, 0.3], variance: [0, 0.2] },
  loss: { teacherTemperature: 0.04, warmupTeacherTemperature: 0.04, warmupPatchTeacherTemperature: 0.04, patchTeacherTemperature: 0.07 },
  optimizer: { learningRate: 1e-3, warmupEpochs: 1, weightDecay: 0.04, weightDecayEnd: 0.4, clipGradient: 3 },
  teacher: { momentum: 0.996, finalMomentum: 1 },
};
