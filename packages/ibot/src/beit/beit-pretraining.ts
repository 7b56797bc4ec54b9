import * as tf from '@tensorflow/tfjs-core';
import { SslError, type StepContext } from '@selfsup/core';
import { createLinearHead } from '@selfsup/heads';
import { isBiasOrOneDimensional } from '@selfsup/optim';
import { createMultiCrop, normalize } from '@selfsup/augment';
import { createBeitBlockMasking, tokenMaskToTensor } from '@selfsup/masking';
import type { GradientOptions } from '@selfsup/train';
import type { ImageBatch, Pretraining } from '../pretraining.js';
import { beitConfigSchema, type BeitConfig, type BeitConfigInput } from './beit-config.js';
import { createBeitRecipe, type BeitRecipe, type BeitViews } from './beit-recipe.js';
import { beitVocabularySize } from './beit-tokenizer.js';
import { parseConfig } from '../parse-config.js';
import { createScheduledAdamW } from '@selfsup/optim';
import { checkIterationsPerEpoch } from '../check-iterations-per-epoch.js';
import { checkNormalization } from '../check-normalization.js';
import { createMethodBackbone } from '../create-backbone.js';
import { imagesFromBatch } from '../images-from-batch.js';
import { patchGrid } from '../patch-grid.js';
import type { Tokenizer } from './tokenizer.js';

/** Everything `train()` of `@selfsup/train` needs for a BEiT-style pretraining. */
export interface BeitPretraining extends Pretraining<BeitConfig> {
  readonly recipe: BeitRecipe<ImageBatch>;
}

/** What {@link createBeitPretraining} needs besides the configuration. */
export interface BeitPretrainingOptions {
  /**
   * The tokenizer giving the target ids, usually `await createBeitTokenizer(config, sources)`;
   * any {@link Tokenizer} with the configured vocabulary and the backbone's patch size. Once
   * `createBeitPretraining` returns, the pretraining owns it (its `dispose` disposes it); when it
   * throws, the caller still does.
   */
  tokenizer: Tokenizer;
}

/** BEiT exempts its embeddings from weight decay (`no_weight_decay`: `pos_embed`, `cls_token`), besides biases and 1-D tensors. */
const BEIT_NO_DECAY = /(?:^|\.)(?:pos_embed|cls_token)$/;

/**
 * Wires a configuration into a BEiT-style pretraining: the ViT with a mask token and layer scale,
 * the `lm_head` over the tokenizer's vocabulary, one view per image (random resized crop, colour
 * jitter, flip) seen normalised by the student and in [0, 1] by the tokenizer, BEiT's block masks,
 * AdamW with BEiT's parameter groups and cosine schedule, and global-norm clipping.
 *
 * @param input - a configuration (validated with zod before anything is built).
 * @param iterationsPerEpoch - steps per epoch (the data loader's `batchesPerEpoch`).
 * @example
 * ```ts
 * const tokenizer = await createBeitTokenizer(BEIT_FASHION_MNIST_REFERENCE, { images: trainSet });
 * const run = createBeitPretraining(BEIT_FASHION_MNIST_REFERENCE, loader.batchesPerEpoch, { tokenizer });
 * ```
 */
export function createBeitPretraining(input: BeitConfigInput | BeitConfig, iterationsPerEpoch: number, options: BeitPretrainingOptions): BeitPretraining {
  const config = parseConfig(beitConfigSchema, input, 'BEiT configuration');
  checkIterationsPerEpoch('createBeitPretraining', iterationsPerEpoch);
  const { tokenizer } = options ?? {};
  if (!tokenizer || typeof tokenizer.tokenize !== 'function') {
    throw new SslError('INVALID_ARGUMENT', 'createBeitPretraining(options.tokenizer): expected a Tokenizer. Build one with createBeitTokenizer(config, { images }) or a create*Tokenizer factory.');
  }
  const vocabularySize = beitVocabularySize(config);
  if (tokenizer.vocabularySize !== vocabularySize) {
    throw new SslError('INVALID_CONFIG', `tokenizer: the configuration says ${vocabularySize} ids but the ${tokenizer.name} tokenizer given has ${tokenizer.vocabularySize}. Build the tokenizer from this configuration.`);
  }
  const { backbone: b, augmentation: a, masking: m, optimizer: o } = config;
  checkNormalization(b.inChannels, a.mean, a.std);
  const grid = patchGrid(a.size, b.patchSize, 'augmentation.size');
  const backbone = createMethodBackbone(b, { seed: config.seed, maskToken: true, dropPathRate: b.dropPathRate });
  // BEiT's lm_head: truncated normal (std 0.02) weights
  const head = createLinearHead({ inDim: backbone.embedDim, outDim: vocabularySize, prefix: 'lm_head', initStd: 0.02, seed: config.seed + 1 });
  const jitter = a.colorJitter > 0 ? { brightness: a.colorJitter, contrast: a.colorJitter, saturation: a.colorJitter, hue: 0, p: 1 } : false;
  const crop = createMultiCrop({ global: [{ size: a.size, scale: a.scale, flipProbability: a.flipProbability, colorJitter: jitter, normalize: false }] });
  const masking = createBeitBlockMasking({
    ...(m.ratio !== undefined ? { maskRatio: m.ratio } : { maskedPatchCount: m.maskedPatchCount }),
    minPatchesPerBlock: m.minPatchesPerBlock,
    ...(m.maxPatchesPerBlock !== undefined ? { maxPatchesPerBlock: m.maxPatchesPerBlock } : {}),
  });
  const makeViews = (batch: ImageBatch, context: StepContext): BeitViews => {
    const maskRng = context.rng.fork();
    const viewRng = context.rng.fork();
    const mask = masking.sample(batch.size, grid, maskRng);
    return tf.tidy('beit.makeViews', () => {
      const pixels = crop.views(imagesFromBatch(batch), viewRng).global[0]!;
      return { pixels, images: normalize(pixels, { mean: a.mean, std: a.std }), masks: tokenMaskToTensor(mask) };
    });
  };
  let recipe: BeitRecipe<ImageBatch>;
  try {
    recipe = createBeitRecipe<ImageBatch>({ backbone, head, tokenizer, makeViews });
  } catch (error) {
    backbone.dispose();
    head.dispose();
    throw error;
  }
  const optimizer = createScheduledAdamW(
    recipe.trainableParameters(),
    o,
    { batchSize: config.batchSize, epochs: config.epochs, iterationsPerEpoch },
    { weightDecayExclude: (p) => isBiasOrOneDimensional(p) || BEIT_NO_DECAY.test(p.name) },
  );
  const gradients: GradientOptions = o.clipGradient > 0 ? { clipGlobalNorm: o.clipGradient } : {};
  return {
    method: 'beit',
    config,
    recipe,
    optimizer,
    gradients,
    backbones: () => ({ student: backbone }),
    dispose: () => {
      recipe.dispose();
      optimizer.dispose();
    },
  };
}
