import { z } from 'zod';

/** AdamW and its schedules (iBOT's and DINO's). */
export const optimizerConfigSchema = z.strictObject({
  learningRate: z.number().positive().default(5e-4).describe('Base learning rate, scaled by batchSize / 256 (linear scaling rule)'),
  minLearningRate: z.number().min(0).default(1e-6),
  warmupEpochs: z.number().int().min(0).default(10),
  weightDecay: z.number().min(0).default(0.04),
  weightDecayEnd: z.number().min(0).default(0.4),
  clipGradient: z.number().min(0).default(3).describe('Per-parameter gradient clipping (0 disables)'),
  freezeLastLayerEpochs: z.number().int().min(0).default(1),
  betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.999]),
  eps: z.number().positive().default(1e-8),
});
