import { z } from 'zod';
import { vitBackboneConfigSchema } from '../backbone-config.js';
import { headConfigSchema } from '../head-config.js';
import { rangeSchema } from '../range-schema.js';
import { seedSchema } from '../seed-schema.js';

/** BEiT's student: the shared ViT fields with BEiT's layer scale (0.1) and drop path (0.1). */
export const beitBackboneConfigSchema = vitBackboneConfigSchema.extend({
  layerScaleInit: z.number().min(0).default(0.1).describe('Layer scale initial value (BEiT-B: 0.1; 0 disables it)'),
});

/** BEiT's view: a random resized crop with colour jitter and a flip; the tokenizer sees the same crop. */
export const beitAugmentationConfigSchema = z.strictObject({
  size: z.number().int().positive().default(28).describe('Crop side in pixels (the backbone imageSize)'),
  scale: rangeSchema(0, 1).default([0.08, 1]).describe('Crop area range (BEiT: 0.08-1)'),
  colorJitter: z.number().min(0).default(0.4).describe('Brightness, contrast and saturation jitter strength (BEiT: 0.4; 0 disables it)'),
  flipProbability: z.number().min(0).max(1).default(0.5).describe('Probability of a horizontal flip'),
  mean: z.array(z.number()).min(1).default([0.286]).describe("Per-channel mean of the student's normalisation"),
  std: z.array(z.number().positive()).min(1).default([0.353]).describe("Per-channel std of the student's normalisation"),
});

/** BEiT's block-wise masking. */
export const beitMaskingConfigSchema = z.strictObject({
  maskedPatchCount: z.number().int().min(0).default(75).describe('Patches masked per image (BEiT: 75 of 196, about 40%)'),
  ratio: z.number().min(0).max(1).optional().describe('Share of patches to mask instead of maskedPatchCount'),
  minPatchesPerBlock: z.number().int().min(0).default(16).describe('Smallest block, in patches (BEiT: 16)'),
  maxPatchesPerBlock: z.number().int().positive().optional().describe('Largest block, in patches (default: the per-image target)'),
});

/** A k-means codebook fitted on the training images' patches. */
export const kmeansTokenizerConfigSchema = z.strictObject({
  kind: z.literal('kmeans'),
  vocabularySize: z.number().int().positive().default(8192).describe('Visual tokens (centroids)'),
  iterations: z.number().int().positive().default(20).describe('Most Lloyd iterations'),
  maxPatches: z.number().int().positive().default(65536).describe('Patches drawn from the training images to fit on'),
});

/** DALL-E's dVAE encoder (BEiT's tokenizer) with imported weights. */
export const dvaeTokenizerConfigSchema = z.strictObject({
  kind: z.literal('dvae'),
  weights: z.string().optional().describe("A safetensors file of the encoder's state dict (DALL-E names); read by the caller (the CLI)"),
  vocabularySize: z.number().int().positive().default(8192).describe('Output logits per position (vocab_size)'),
  hiddenDim: z.number().int().positive().multipleOf(4).default(256).describe('Width of the first group (n_hid)'),
  groupCount: z.number().int().positive().default(4).describe('Groups of blocks (group_count)'),
  blocksPerGroup: z.number().int().positive().default(2).describe('Residual blocks per group (n_blk_per_group)'),
  inChannels: z.number().int().positive().default(3).describe('Channels the encoder takes (gray images are repeated)'),
});

/** A frozen teacher (a ViT and an iBOT head, e.g. an iBOT checkpoint's teacher); ids are the argmax of its patch logits. */
export const teacherTokenizerConfigSchema = z.strictObject({
  kind: z.literal('teacher'),
  weights: z.string().optional().describe("A checkpoint or safetensors file holding the teacher's tensors; read by the caller (the CLI)"),
  prefix: z.string().default('teacher.').describe('Key prefix of the teacher in that file (our checkpoints: teacher.)'),
  backbone: vitBackboneConfigSchema.default(vitBackboneConfigSchema.parse({})),
  head: headConfigSchema.default(headConfigSchema.parse({})),
});

/** The tokenizer giving the target ids. */
export const beitTokenizerConfigSchema = z.discriminatedUnion('kind', [kmeansTokenizerConfigSchema, dvaeTokenizerConfigSchema, teacherTokenizerConfigSchema]);

/** BEiT's AdamW and schedules. */
export const beitOptimizerConfigSchema = z.strictObject({
  learningRate: z.number().positive().default(1.875e-4).describe('Base learning rate, scaled by batchSize / 256 (BEiT: 1.5e-3 at batch 2048)'),
  minLearningRate: z.number().min(0).default(1e-5),
  warmupEpochs: z.number().int().min(0).default(10),
  weightDecay: z.number().min(0).default(0.05),
  weightDecayEnd: z.number().min(0).default(0.05).describe('Weight decay at the end of the cosine (BEiT: constant)'),
  clipGradient: z.number().min(0).default(3).describe('Global-norm gradient clipping (0 disables)'),
  betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.999]),
  eps: z.number().positive().default(1e-8),
});

/** A complete BEiT-style pretraining configuration; every field has the paper's (or the reference run's) default. */
export const beitConfigSchema = z.strictObject({
  seed: seedSchema('Seed of weights, data order, views, masks and the tokenizer fit'),
  epochs: z.number().int().positive().default(2),
  batchSize: z.number().int().positive().default(128),
  backbone: beitBackboneConfigSchema.default(beitBackboneConfigSchema.parse({})),
  augmentation: beitAugmentationConfigSchema.default(beitAugmentationConfigSchema.parse({})),
  masking: beitMaskingConfigSchema.default(beitMaskingConfigSchema.parse({})),
  tokenizer: beitTokenizerConfigSchema.default(dvaeTokenizerConfigSchema.parse({ kind: 'dvae' })),
  optimizer: beitOptimizerConfigSchema.default(beitOptimizerConfigSchema.parse({})),
});

/** A validated BEiT-style configuration with every default filled in. */
export type BeitConfig = z.output<typeof beitConfigSchema>;
/** What a user writes: every field optional. */
export type BeitConfigInput = z.input<typeof beitConfigSchema>;

/**
 * BEiT-style pretraining on Fashion-MNIST at the scale of the iBOT reference run: the same ViT
 * (dim 128, depth 4, heads 4, patch 4, 28x28 grayscale) with layer scale 0.1; about 40% of the 49
 * patches masked in blocks of at least 4; targets from a k-means codebook of 256 pixel patches
 * fitted on 16384 patches of the training images; batch 128, AdamW at 1e-3 x batch/256 with 1 warm-up epoch,
 * weight decay 0.05, global-norm clipping 3.0; 2 epochs.
 */
export const BEIT_FASHION_MNIST_REFERENCE: BeitConfigInput = {
  seed: 0,
  epochs: 2,
  batchSize: 128,
  backbone: { imageSize: 28, patchSize: 4, inChannels: 1, embedDim: 128, depth: 4, headCount: 4 },
  augmentation: { size: 28, scale: [0.25, 1], colorJitter: 0.4 },
  masking: { ratio: 0.4, minPatchesPerBlock: 4 },
  tokenizer: { kind: 'kmeans', vocabularySize: 256, iterations: 20, maxPatches: 16384 },
  optimizer: { learningRate: 1e-3, warmupEpochs: 1, weightDecay: 0.05, clipGradient: 3 },
};
