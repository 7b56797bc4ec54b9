import { z } from 'zod';
import { rangeSchema } from './range-schema.js';

/** Multi-crop augmentation. */
export const augmentationConfigSchema = z.strictObject({
  globalCrops: z.number().int().min(1).default(2).describe('Global crops per image'),
  globalSize: z.number().int().positive().default(28).describe('Global crop side'),
  globalScale: rangeSchema(0, 1).default([0.25, 1]).describe('Global crop area range'),
  localCrops: z.number().int().min(0).default(4).describe('Local crops per image'),
  localSize: z.number().int().positive().default(16).describe('Local crop side'),
  localScale: rangeSchema(0, 1).default([0.05, 0.25]).describe('Local crop area range'),
  mean: z.array(z.number()).min(1).default([0.286]).describe('Per-channel mean for normalisation'),
  std: z.array(z.number().positive()).min(1).default([0.353]).describe('Per-channel std for normalisation'),
});

/** A validated multi-crop section (`augmentationConfigSchema`). */
export type AugmentationConfig = z.output<typeof augmentationConfigSchema>;
