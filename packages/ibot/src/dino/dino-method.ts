import { multiCropProblems } from '../crop-problems.js';
import type { MethodDefinition } from '../method-definition.js';
import { multiCropInput } from '../method-input.js';
import { backboneProblems } from '../vit-problems.js';
import { dinoConfigSchema, DINO_FASHION_MNIST_REFERENCE } from './dino-config.js';
import { createDinoPretraining } from './dino-pretraining.js';

/** DINO as the command line runs it (`method: dino`). */
export const dinoMethod: MethodDefinition<typeof dinoConfigSchema> = {
  name: 'dino',
  title: 'DINO',
  summary: 'self-distillation with no labels: a student matches an EMA teacher on [CLS] across multi-crop views',
  schema: dinoConfigSchema,
  create: (config, context) => createDinoPretraining(config, context.iterationsPerEpoch),
  featureToken: 'class',
  input: multiCropInput,
  presets: { 'fashion-mnist-reference': DINO_FASHION_MNIST_REFERENCE },
  check: (config) => [...backboneProblems(config.backbone), ...multiCropProblems(config)],
};
