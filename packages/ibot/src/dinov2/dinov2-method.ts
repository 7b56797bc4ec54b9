import { ibotProblems } from '../ibot/ibot-problems.js';
import type { MethodDefinition } from '../method-definition.js';
import { multiCropInput } from '../method-input.js';
import { dinov2ConfigSchema, DINOV2_FASHION_MNIST_REFERENCE } from './dinov2-config.js';
import { createDinov2StylePretraining } from './dinov2-pretraining.js';

/** The DINOv2-style variant of iBOT as the command line runs it (`method: dinov2`). */
export const dinov2Method: MethodDefinition<typeof dinov2ConfigSchema> = {
  name: 'dinov2',
  title: 'DINOv2-style',
  summary: 'iBOT with an untied patch head, Sinkhorn-Knopp centring and the KoLeo regulariser',
  schema: dinov2ConfigSchema,
  create: (config, context) => createDinov2StylePretraining(config, context.iterationsPerEpoch),
  featureToken: 'class',
  input: multiCropInput,
  lossParts: ['cls', 'patch'],
  presets: { 'fashion-mnist-reference': DINOV2_FASHION_MNIST_REFERENCE },
  check: ibotProblems,
};
