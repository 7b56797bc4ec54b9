import { cropProblems } from '../crop-problems.js';
import type { MethodDefinition } from '../method-definition.js';
import { singleViewInput } from '../method-input.js';
import { vitProblems } from '../vit-problems.js';
import { maeConfigSchema, MAE_FASHION_MNIST_REFERENCE } from './mae-config.js';
import { maeDecoderProblems } from './mae-decoder-problems.js';
import { maeMaskingProblems } from './mae-masking-problems.js';
import { maePositionProblems } from './mae-position-problems.js';
import { createMaePretraining } from './mae-pretraining.js';

/** The masked autoencoder as the command line runs it (`method: mae`). */
export const maeMethod: MethodDefinition<typeof maeConfigSchema> = {
  name: 'mae',
  title: 'MAE',
  summary: 'masked autoencoder: encode a quarter of the patches, reconstruct the pixels of the others',
  schema: maeConfigSchema,
  create: (config, context) => createMaePretraining(config, context.iterationsPerEpoch),
  featureToken: 'meanPatch',
  input: singleViewInput,
  presets: { 'fashion-mnist-reference': MAE_FASHION_MNIST_REFERENCE },
  check: (config) => [
    ...vitProblems(config.backbone),
    ...maePositionProblems(config.backbone),
    ...cropProblems(config.backbone, [['augmentation.size', config.augmentation.size, 1]], config.augmentation),
    ...maeMaskingProblems(config.masking.ratio, config.augmentation.size, config.backbone.patchSize),
    ...maeDecoderProblems(config.decoder),
  ],
};
