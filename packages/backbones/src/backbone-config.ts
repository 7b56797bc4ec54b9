import { z } from 'zod';

const positiveInt = () => z.number().int().positive();
const imageSize = (defaultSize: number) =>
  z
    .union([positiveInt(), z.tuple([positiveInt(), positiveInt()]).readonly()])
    .default(defaultSize)
    .describe('Image size the model is built for: a number or [height, width]');

/** A ViT in a backbone config: the options of `createVit`, with their defaults. */
export const vitConfigSchema = z.strictObject({
  arch: z.literal('vit').describe('Vision Transformer (iBOT/DINO/timm)'),
  preset: z.enum(['tiny', 'small', 'base', 'large']).default('small').describe('Named size; embedDim/depth/headCount override it'),
  imageSize: imageSize(224).describe('Image size the position embeddings are made for (others are resampled)'),
  patchSize: positiveInt().default(16).describe('Patch side in pixels'),
  inChannels: positiveInt().default(3).describe('Image channels (1 for grayscale)'),
  embedDim: positiveInt().optional().describe("Token width (the preset's by default)"),
  depth: z.number().int().nonnegative().optional().describe("Transformer blocks (the preset's by default)"),
  headCount: positiveInt().optional().describe("Attention heads (the preset's by default)"),
  mlpRatio: z.number().positive().default(4).describe('MLP width as a multiple of embedDim'),
  qkvBias: z.boolean().default(true),
  layerNormEps: z.number().min(0).default(1e-6),
  dropPathRate: z.number().min(0).max(1).default(0).describe('Stochastic depth, linear over blocks up to this'),
  layerScaleInit: z.number().min(0).default(0).describe('Layer scale initial value; 0 disables it'),
  maskToken: z.boolean().default(true).describe('A learned masked_embed for token masks (iBOT, BEiT)'),
  seed: z.number().int().min(0).default(0).describe('Seed of the initial weights'),
});

/** A Swin Transformer in a backbone config: the options of `createSwin`, with their defaults. */
export const swinConfigSchema = z.strictObject({
  arch: z.literal('swin').describe('Swin Transformer (official iBOT)'),
  preset: z.enum(['tiny', 'small', 'base']).default('tiny').describe('Named size; embedDim/depths/headCounts override it'),
  imageSize: imageSize(224).describe("Image size the model is built for (fixes each stage's window and shift)"),
  patchSize: positiveInt().default(4).describe('Patch side in pixels'),
  inChannels: positiveInt().default(3).describe('Image channels (1 for grayscale)'),
  embedDim: positiveInt().optional().describe("First stage's width, doubled by each patch merging (the preset's by default)"),
  depths: z.array(z.number().int().nonnegative()).min(1).readonly().optional().describe("Blocks per stage (the preset's by default)"),
  headCounts: z.array(positiveInt()).min(1).readonly().optional().describe("Attention heads per stage (the preset's by default)"),
  windowSize: positiveInt().default(7).describe('Attention window side (the paper: 7)'),
  mlpRatio: z.number().positive().default(4).describe('MLP width as a multiple of the stage width'),
  qkvBias: z.boolean().default(true),
  layerNormEps: z.number().min(0).default(1e-6),
  dropPathRate: z.number().min(0).max(1).default(0).describe('Stochastic depth, linear over all blocks up to this'),
  maskToken: z.boolean().default(true).describe("A learned masked_embed for token masks (iBOT's masked image modelling)"),
  seed: z.number().int().min(0).default(0).describe('Seed of the initial weights'),
});

/**
 * A backbone config: one architecture, chosen by `arch`, with its options (`{ arch: 'vit', ... }` or
 * `{ arch: 'swin', ... }`). Every field but `arch` has the factory's default.
 */
export const backboneConfigSchema = z.discriminatedUnion('arch', [vitConfigSchema, swinConfigSchema]);

/** A validated ViT config with every default filled in. */
export type VitConfig = z.output<typeof vitConfigSchema>;
/** A validated Swin config with every default filled in. */
export type SwinConfig = z.output<typeof swinConfigSchema>;
/** A validated backbone config. */
export type BackboneConfig = z.output<typeof backboneConfigSchema>;
/** What a user writes: `arch` and any options. */
export type BackboneConfigInput = z.input<typeof backboneConfigSchema>;
