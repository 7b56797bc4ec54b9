import { z } from 'zod';
import { headConfigSchema } from '../head-config.js';
import { ibotConfigSchema, IBOT_FASHION_MNIST_REFERENCE } from '../ibot/ibot-config.js';

/** DINOv2's additions to the iBOT recipe. */
export const dinov2OptionsConfigSchema = z.strictObject({
  koleoWeight: z.number().min(0).default(0.1).describe("Weight of the KoLeo regulariser on the student's [CLS] features (DINOv2: 0.1; 0 disables)"),
  centering: z
    .enum(['center', 'sinkhorn-knopp'])
    .default('sinkhorn-knopp')
    .describe("Sinkhorn-Knopp balancing of the teacher's outputs (DINOv2) or iBOT's running centres"),
  sinkhornIterations: z.number().int().min(0).default(3).describe('Sinkhorn-Knopp iterations (DINOv2: 3)'),
});

/** The iBOT head with DINOv2's untied patch head by default. */
export const dinov2HeadConfigSchema = headConfigSchema.extend({
  sharedHead: z.boolean().default(false).describe('One head for [CLS] and patch tokens; DINOv2 unties them (false)'),
});

/** A DINOv2-style pretraining configuration: iBOT's, a separate patch head, and a `dinov2` section. */
export const dinov2ConfigSchema = ibotConfigSchema.extend({
  head: dinov2HeadConfigSchema.default(dinov2HeadConfigSchema.parse({})),
  dinov2: dinov2OptionsConfigSchema.default(dinov2OptionsConfigSchema.parse({})),
});

/** A validated DINOv2-style configuration with every default filled in. */
export type Dinov2Config = z.output<typeof dinov2ConfigSchema>;
/** What a user writes: every field optional. */
export type Dinov2ConfigInput = z.input<typeof dinov2ConfigSchema>;

/**
 * The iBOT Fashion-MNIST reference with DINOv2's additions: a separate patch last layer (1024
 * patch prototypes), Sinkhorn-Knopp centring (3 iterations) and KoLeo (weight 0.1).
 */
export const DINOV2_FASHION_MNIST_REFERENCE: Dinov2ConfigInput = {
  ...IBOT_FASHION_MNIST_REFERENCE,
  head: { ...IBOT_FASHION_MNIST_REFERENCE.head, sharedHead: false },
  dinov2: { koleoWeight: 0.1, centering: 'sinkhorn-knopp', sinkhornIterations: 3 },
};
