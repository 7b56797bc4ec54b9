import { z } from 'zod';
import { DINO_BLUR_PROBABILITIES, DINO_COLOR_JITTER } from '@selfsup/augment';
import { rangeSchema } from './range-schema.js';

const PROBABILITY = 'Expected a probability in [0, 1] (0 turns the transform off)';
const probability = z.number().min(0, PROBABILITY).max(1, PROBABILITY);

/** Colour jitter of every view (DINO's `ColorJitter(0.4, 0.4, 0.2, 0.1)` with p 0.8 by default). */
export const colorJitterConfigSchema = z.strictObject({
  p: probability.default(DINO_COLOR_JITTER.p).describe('Probability of jittering each view (DINO: 0.8; 0 turns colour jitter off)'),
  brightness: z.number().min(0).default(DINO_COLOR_JITTER.brightness).describe('Brightness strength: factor in [1 - b, 1 + b] (0 = none)'),
  contrast: z.number().min(0).default(DINO_COLOR_JITTER.contrast).describe('Contrast strength: factor in [1 - c, 1 + c] (0 = none)'),
  saturation: z.number().min(0).default(DINO_COLOR_JITTER.saturation).describe('Saturation strength (no effect on 1-channel images)'),
  hue: z.number().min(0).max(0.5).default(DINO_COLOR_JITTER.hue).describe('Hue strength in turns (no effect on 1-channel images)'),
});

/** Blur probability per kind of view (DINO: always on the first global view, 0.1 on the others, 0.5 on local views). */
export const blurConfigSchema = z.strictObject({
  firstGlobal: probability.default(DINO_BLUR_PROBABILITIES.firstGlobal).describe('Probability of blurring the first global view (DINO: 1; 0 = off)'),
  otherGlobals: probability.default(DINO_BLUR_PROBABILITIES.otherGlobals).describe('Probability of blurring the second and later global views (DINO: 0.1; 0 = off)'),
  local: probability.default(DINO_BLUR_PROBABILITIES.local).describe('Probability of blurring each local view (DINO: 0.5; 0 = off)'),
});

/**
 * Multi-crop augmentation. The photometric keys default to DINO's and iBOT's transforms; a
 * probability of 0 turns a transform off, and it then draws nothing from the view's random stream.
 */
export const augmentationConfigSchema = z.strictObject({
  globalCrops: z.number().int().min(1).default(2).describe('Global crops per image'),
  globalSize: z.number().int().positive().default(28).describe('Global crop side'),
  globalScale: rangeSchema(0, 1).default([0.25, 1]).describe('Global crop area range'),
  localCrops: z.number().int().min(0).default(4).describe('Local crops per image'),
  localSize: z.number().int().positive().default(16).describe('Local crop side'),
  localScale: rangeSchema(0, 1).default([0.05, 0.25]).describe('Local crop area range'),
  mean: z.array(z.number()).min(1).default([0.286]).describe('Per-channel mean for normalisation'),
  std: z.array(z.number().positive()).min(1).default([0.353]).describe('Per-channel std for normalisation'),
  flipProbability: probability.default(0.5).describe('Probability of a horizontal flip of each view (0 = off)'),
  colorJitter: colorJitterConfigSchema.default(colorJitterConfigSchema.parse({})),
  grayscaleProbability: probability
    .default(0.2)
    .describe('Probability of turning each view gray (drawn, but no effect on 1-channel images; 0 = off)'),
  blur: blurConfigSchema.default(blurConfigSchema.parse({})),
  blurRadius: z
    .tuple([z.number().min(0), z.number().min(0)])
    .refine(([low, high]) => low <= high, 'Expected [min, max] with min <= max')
    .default([0.1, 2])
    .describe('Gaussian blur radius range [min, max] (standard deviation in pixels)'),
  solarizeProbability: probability.default(0.2).describe('Probability of solarizing the second and later global views (0 = off)'),
});

/** A validated multi-crop section (`augmentationConfigSchema`). */
export type AugmentationConfig = z.output<typeof augmentationConfigSchema>;
