import { multiCropProblems } from '../crop-problems.js';
import { headProblems } from '../head-problems.js';
import type { MethodDefinition } from '../method-definition.js';
import { multiCropInput } from '../method-input.js';
import { swinMaskGridProblems } from '../swin-mask-grid-problems.js';
import { backboneProblems } from '../vit-problems.js';
import { ibotConfigSchema, IBOT_FASHION_MNIST_REFERENCE } from './ibot-config.js';
import { createIbotPretraining } from './ibot-pretraining.js';
import { maskRatioProblems } from './mask-ratio-problems.js';
import { maskStartProblems } from './mask-start-problems.js';

/** iBOT as the command line runs it (`method: ibot`). */
export const ibotMethod: MethodDefinition<typeof ibotConfigSchema> = {
  name: 'ibot',
  title: 'iBOT',
  summary: 'masked image modelling with an online tokenizer: DINO on [CLS] plus a patch objective on masked tokens',
  schema: ibotConfigSchema,
  create: (config, context) => createIbotPretraining(config, context.iterationsPerEpoch),
  featureToken: 'class',
  input: multiCropInput,
  lossParts: ['cls', 'patch'],
  presets: { 'fashion-mnist-reference': IBOT_FASHION_MNIST_REFERENCE },
  check: (config) => [
    ...backboneProblems(config.backbone),
    ...multiCropProblems(config),
    ...swinMaskGridProblems(config.backbone, config.augmentation.globalSize),
    ...headProblems(config.head),
    ...maskRatioProblems(config.masking),
    ...maskStartProblems(config),
  ],
};
