import { z } from 'zod';
import { swinConfigSchema } from '@selfsup/backbones/config';

/**
 * The ViT backbone of a method config. `arch` may be left out: a section without it is a ViT, as
 * every config and checkpoint written before Swin was added.
 */
export const vitBackboneConfigSchema = z.strictObject({
  arch: z.literal('vit').default('vit').describe("Vision Transformer (the default when arch is absent)"),
  preset: z.enum(['tiny', 'small', 'base', 'large']).default('tiny').describe('Named ViT size; embedDim/depth/headCount override it'),
  imageSize: z.number().int().positive().default(28).describe('Global crop size the position embeddings are made for'),
  patchSize: z.number().int().positive().default(4).describe('Patch side in pixels'),
  inChannels: z.number().int().positive().default(1).describe('Image channels (1 for Fashion-MNIST)'),
  embedDim: z.number().int().positive().optional().describe("Token width (the preset's by default)"),
  depth: z.number().int().nonnegative().optional().describe("Transformer blocks (the preset's by default)"),
  headCount: z.number().int().positive().optional().describe("Attention heads (the preset's by default)"),
  dropPathRate: z.number().min(0).max(1).default(0.1).describe('Stochastic depth of the student (iBOT: 0.1)'),
  layerScaleInit: z.number().min(0).default(0).describe('Layer scale initial value; 0 disables it'),
});

/**
 * The Swin Transformer backbone of a method config (`arch: swin`): `createSwin`'s options with the
 * method's defaults (28-pixel grayscale crops, iBOT's drop path 0.1). The mask token and the seed
 * are the method's to decide.
 */
export const swinBackboneConfigSchema = swinConfigSchema.omit({ maskToken: true, seed: true, imageSize: true, inChannels: true, dropPathRate: true }).extend({
  imageSize: z.number().int().positive().default(28).describe("Global crop size the model is built for (fixes each stage's window and shift)"),
  inChannels: z.number().int().positive().default(1).describe('Image channels (1 for Fashion-MNIST)'),
  dropPathRate: z.number().min(0).max(1).default(0.1).describe('Stochastic depth of the student (iBOT: 0.1)'),
});

/**
 * The backbone section of the multi-crop methods (iBOT, DINO, DINOv2-style): `{ arch: 'vit', ... }`
 * (or no `arch`: a ViT) or `{ arch: 'swin', ... }`.
 */
export const backboneConfigSchema = z.discriminatedUnion('arch', [vitBackboneConfigSchema, swinBackboneConfigSchema]);

/** A validated backbone section (`backboneConfigSchema`). */
export type BackboneConfig = z.output<typeof backboneConfigSchema>;
/** A validated ViT section (`vitBackboneConfigSchema`). */
export type VitBackboneConfig = z.output<typeof vitBackboneConfigSchema>;
/** A validated Swin section (`swinBackboneConfigSchema`). */
export type SwinBackboneConfig = z.output<typeof swinBackboneConfigSchema>;
