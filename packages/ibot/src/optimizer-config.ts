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
  // below 1 by at least Number.EPSILON, as createAdamW requires (the double just below 1 is refused)
  betas: z.tuple([z.number().min(0).max(1 - Number.EPSILON), z.number().min(0).max(1 - Number.EPSILON)]).default([0.9, 0.999]),
  eps: z.number().positive().default(1e-8),
});
