import { z } from 'zod';
import { vitBackboneConfigSchema } from '../backbone-config.js';
import { rangeSchema } from '../range-schema.js';
import { seedSchema } from '../seed-schema.js';

/** MAE's encoder: the shared ViT fields, without drop path (MAE pretrains without it). */
export const maeBackboneConfigSchema = vitBackboneConfigSchema.extend({
  dropPathRate: z.number().min(0).max(1).default(0).describe('Stochastic depth of the encoder (MAE pretraining: 0)'),
  positionEmbedding: z
    .enum(['sin-cos', 'learned'])
    .default('sin-cos')
    .describe("Encoder position embeddings: MAE's fixed 2-D sine-cosine table, or learned"),
});

/** MAE's decoder (ViT-B's: 512 wide, 8 blocks, 16 heads). */
export const maeDecoderConfigSchema = z.strictObject({
  embedDim: z.number().int().positive().multipleOf(4).default(512).describe('Decoder token width (a multiple of 4 and of headCount)'),
  depth: z.number().int().min(0).default(8).describe('Decoder transformer blocks'),
  headCount: z.number().int().positive().default(16).describe('Decoder attention heads'),
  mlpRatio: z.number().positive().default(4).describe('Decoder MLP width as a multiple of embedDim'),
});

/** MAE's single view: a random resized crop and a flip, normalised. */
export const maeAugmentationConfigSchema = z.strictObject({
  size: z.number().int().positive().default(28).describe('Crop side in pixels (the encoder imageSize)'),
  scale: rangeSchema(0, 1).default([0.2, 1]).describe('Crop area range (MAE: 0.2-1)'),
  mean: z.array(z.number()).min(1).default([0.286]).describe('Per-channel mean for normalisation'),
  std: z.array(z.number().positive()).min(1).default([0.353]).describe('Per-channel std for normalisation'),
});

/** MAE's random masking. */
export const maeMaskingConfigSchema = z.strictObject({
  ratio: z.number().min(0).lt(1).default(0.75).describe('Share of patches removed (MAE: 0.75)'),
});

/** MAE's loss. */
export const maeLossConfigSchema = z.strictObject({
  normalizePixels: z.boolean().default(true).describe('Per-patch normalised pixels as targets (norm_pix_loss)'),
});

/** MAE's AdamW: betas (0.9, 0.95), constant weight decay 0.05, half-cycle cosine after a linear warm-up. */
export const maeOptimizerConfigSchema = z.strictObject({
  learningRate: z.number().positive().default(1.5e-4).describe('Base learning rate (blr), scaled by batchSize / 256'),
  minLearningRate: z.number().min(0).default(0).describe('Learning rate at the end of the cosine'),
  warmupEpochs: z.number().min(0).default(40).describe('Epochs of linear warm-up (capped at the run length)'),
  weightDecay: z.number().min(0).default(0.05).describe('Constant weight decay (not on biases and 1-D tensors)'),
  betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.95]),
  eps: z.number().positive().default(1e-8),
  clipGradient: z.number().min(0).default(0).describe('Global-norm gradient clipping (0 disables; MAE: off)'),
});

/** A complete MAE pretraining configuration; every field has the paper's (or the reference run's) default. */
export const maeConfigSchema = z.strictObject({
  seed: seedSchema('Seed of weights, data order, views and masks'),
  epochs: z.number().int().positive().default(2),
  batchSize: z.number().int().positive().default(128),
  backbone: maeBackboneConfigSchema.default(maeBackboneConfigSchema.parse({})),
  decoder: maeDecoderConfigSchema.default(maeDecoderConfigSchema.parse({})),
  augmentation: maeAugmentationConfigSchema.default(maeAugmentationConfigSchema.parse({})),
  masking: maeMaskingConfigSchema.default(maeMaskingConfigSchema.parse({})),
  loss: maeLossConfigSchema.default(maeLossConfigSchema.parse({})),
  optimizer: maeOptimizerConfigSchema.default(maeOptimizerConfigSchema.parse({})),
});

/** A validated MAE configuration with every default filled in. */
export type MaeConfig = z.output<typeof maeConfigSchema>;
/** What a user writes: every field optional. */
export type MaeConfigInput = z.input<typeof maeConfigSchema>;

/**
 * MAE on Fashion-MNIST at the scale of the iBOT reference run: the same encoder (ViT dim 128,
 * depth 4, heads 4, patch 4, 28x28 grayscale), a light decoder (dim 64, depth 2, heads 4), 75% of
 * the 49 patches removed, normalised-pixel targets, batch 128, AdamW (0.9, 0.95) at 1e-3 x
 * batch/256 with 1 warm-up epoch and weight decay 0.05, 2 epochs.
 */
export const MAE_FASHION_MNIST_REFERENCE: MaeConfigInput = {
  seed: 0,
  epochs: 2,
  batchSize: 128,
  backbone: { imageSize: 28, patchSize: 4, inChannels: 1, embedDim: 128, depth: 4, headCount: 4 },
  decoder: { embedDim: 64, depth: 2, headCount: 4 },
  augmentation: { size: 28, scale: [0.2, 1] },
  masking: { ratio: 0.75 },
  loss: { normalizePixels: true },
  optimizer: { learningRate: 1e-3, warmupEpochs: 1, weightDecay: 0.05 },
};
