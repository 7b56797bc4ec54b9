import type { MethodDefinition } from '../method-definition.js';
import { multiCropInput } from '../method-input.js';
import { ibotConfigSchema, IBOT_FASHION_MNIST_REFERENCE } from './ibot-config.js';
import { createIbotPretraining } from './ibot-pretraining.js';
import { ibotProblems } from './ibot-problems.js';

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
  check: ibotProblems,
};
