import { z } from 'zod';

/** The ViT backbone. */
export const backboneConfigSchema = z.strictObject({
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

/** A validated backbone section (`backboneConfigSchema`). */
export type BackboneConfig = z.output<typeof backboneConfigSchema>;
