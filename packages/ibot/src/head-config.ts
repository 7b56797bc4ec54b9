import { z } from 'zod';

/** The iBOT projection head (DINO's omits the patch output). */
export const headConfigSchema = z.strictObject({
  outDim: z.number().int().positive().default(8192).describe('[CLS] prototypes (iBOT: 8192)'),
  patchOutDim: z.number().int().positive().optional().describe('Patch prototypes (defaults to outDim)'),
  hiddenDim: z.number().int().positive().default(2048).describe('Hidden width of the head MLP'),
  bottleneckDim: z.number().int().positive().default(256).describe('L2-normalised bottleneck width'),
  layerCount: z.number().int().min(1).default(3).describe('Linear layers before the bottleneck'),
  normalizeLastLayer: z.boolean().default(true).describe('Fix the last layer gain at 1 (norm_last_layer)'),
  sharedHead: z.boolean().default(true).describe('One head for [CLS] and patch tokens (iBOT shared_head)'),
});
