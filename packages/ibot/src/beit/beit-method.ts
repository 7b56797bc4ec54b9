import { stateDictFromSafetensors } from '@selfsup/core';
import { cropProblems } from '../crop-problems.js';
import type { MethodContext, MethodDefinition } from '../method-definition.js';
import { singleViewInput } from '../method-input.js';
import type { Pretraining } from '../pretraining.js';
import { vitProblems } from '../vit-problems.js';
import { beitConfigSchema, BEIT_FASHION_MNIST_REFERENCE, type BeitConfig } from './beit-config.js';
import { createBeitPretraining } from './beit-pretraining.js';
import { createBeitTokenizer, type BeitTokenizerSources } from './beit-tokenizer.js';
import { beitTokenizerProblems } from './beit-tokenizer-problems.js';

/**
 * What the configured tokenizer is built from: the training images (k-means; none when the
 * checkpoint about to be loaded holds its codebook) or the weights file it names.
 */
async function tokenizerSources(config: BeitConfig, context: MethodContext): Promise<BeitTokenizerSources> {
  const t = config.tokenizer;
  if (t.kind === 'kmeans') return context.restoring ? { restoring: true } : { images: await context.trainImages() };
  return t.weights !== undefined ? { stateDict: stateDictFromSafetensors(context.readFile(t.weights), t.weights) } : {};
}

/** The tokenizer, then the pretraining that owns it (the tokenizer is disposed when the pretraining cannot be built). */
async function createBeitFromConfig(config: BeitConfig, context: MethodContext): Promise<Pretraining> {
  const tokenizer = await createBeitTokenizer(config, await tokenizerSources(config, context));
  try {
    return createBeitPretraining(config, context.iterationsPerEpoch, { tokenizer });
  } catch (error) {
    tokenizer.dispose();
    throw error;
  }
}

/** BEiT-style masked image modelling as the command line runs it (`method: beit`). */
export const beitMethod: MethodDefinition<typeof beitConfigSchema> = {
  name: 'beit',
  title: 'BEiT-style',
  summary: 'masked image modelling: predict the visual tokens (k-means, dVAE or a frozen teacher) of masked patches',
  schema: beitConfigSchema,
  create: createBeitFromConfig,
  featureToken: 'meanPatch',
  input: singleViewInput,
  presets: { 'fashion-mnist-reference': BEIT_FASHION_MNIST_REFERENCE },
  check: (config) => [
    ...vitProblems(config.backbone),
    ...cropProblems(config.backbone, [['augmentation.size', config.augmentation.size, 1]], config.augmentation),
    ...beitTokenizerProblems(config.tokenizer, config.backbone.patchSize, config.backbone.inChannels),
  ],
  files: (config) => (config.tokenizer.kind !== 'kmeans' && config.tokenizer.weights !== undefined ? [{ key: 'tokenizer.weights', path: config.tokenizer.weights }] : []),
};
