import * as tf from '@tensorflow/tfjs-core';
import { SslError, createRng, invalidArgument, isSslError, loadStateDict, type HostTensor } from '@selfsup/core';
import { createIbotHead } from '@selfsup/heads';
import { beitConfigSchema, type BeitConfig, type BeitConfigInput } from './beit-config.js';
import { createDvaeTokenizer } from './dvae-tokenizer.js';
import { createFrozenTeacherTokenizer } from './frozen-teacher-tokenizer.js';
import { createKmeansTokenizer, fitKmeansTokenizer } from './kmeans-tokenizer.js';
import { parseConfig } from '../parse-config.js';
import { createMethodBackbone } from '../create-backbone.js';
import type { Tokenizer } from './tokenizer.js';
import type { TrainingImageBytes } from '../training-image-bytes.js';

/** What {@link createBeitTokenizer} needs besides the configuration. */
export interface BeitTokenizerSources {
  /**
   * The training images a k-means codebook is fitted on (`tokenizer.kind: 'kmeans'`): a tensor
   * `[count, H, W, C]` in [0, 1], or bytes such as a dataset from `@selfsup/data` (then a random
   * subset of images, enough for `maxPatches` patches twice over, is used).
   */
  images?: tf.Tensor4D | TrainingImageBytes;
  /**
   * The tokenizer's weights (`kind: 'dvae'`: DALL-E's encoder under its names; `kind: 'teacher'`:
   * the teacher's `backbone.*` and `head.*` under `tokenizer.prefix`), e.g. from
   * `stateDictFromSafetensors` of the file named by `tokenizer.weights`.
   */
  stateDict?: ReadonlyMap<string, HostTensor>;
  /**
   * The tokenizer's state will be loaded from a checkpoint right after (a resumed run, an
   * evaluation): a k-means codebook is then made with the right shape and zeros instead of fitted,
   * so no image is needed. The weights of a dVAE or teacher are still read from `stateDict`.
   */
  restoring?: boolean;
}

/** The vocabulary the configured tokenizer has (the student head's outputs). */
export function beitVocabularySize(config: BeitConfig): number {
  const t = config.tokenizer;
  return t.kind === 'teacher' ? (t.head.patchOutDim ?? t.head.outDim) : t.vocabularySize;
}

function missing(kind: string, what: string, fix: string): SslError {
  return new SslError('INVALID_ARGUMENT', `createBeitTokenizer: a "${kind}" tokenizer needs ${what}. ${fix}`);
}

/**
 * Refuses training images a k-means codebook cannot be fitted on, naming the configuration's keys:
 * it is fitted on the patches of the images as stored, so `backbone.patchSize` divides their sides,
 * and they hold at least `tokenizer.vocabularySize` patches.
 */
function checkKmeansImages(bytes: TrainingImageBytes, patchSize: number, vocabularySize: number): void {
  if (bytes.height % patchSize !== 0 || bytes.width % patchSize !== 0) {
    throw invalidArgument({
      argument: 'backbone.patchSize',
      expected: `a divisor of the training images' ${bytes.height}x${bytes.width} pixels: tokenizer.kind kmeans fits its codebook on the patches of the images as stored`,
      actual: patchSize,
      fix: 'Use a patch side that divides the images (the crops of augmentation.size are cut into the same patches), or resize the images.',
    });
  }
  const patches = bytes.count * (bytes.height / patchSize) * (bytes.width / patchSize);
  if (patches < vocabularySize) {
    throw invalidArgument({
      argument: 'tokenizer.vocabularySize',
      expected: `at most the ${patches} patches of the ${bytes.count} training images (${bytes.height / patchSize}x${bytes.width / patchSize} each), one centroid per visual token`,
      actual: vocabularySize,
      fix: `Ask for at most ${patches} visual tokens, or train on more images.`,
    });
  }
}

/** `count` images of `bytes` chosen by `rng` (all of them when there are fewer), as floats in [0, 1]. */
function imagesFromBytes(bytes: TrainingImageBytes, count: number, seed: number): tf.Tensor4D {
  const size = bytes.height * bytes.width * bytes.channels;
  const chosen = count >= bytes.count ? Int32Array.from({ length: bytes.count }, (_, i) => i) : createRng(seed).permutation(bytes.count).subarray(0, count);
  const data = new Float32Array(chosen.length * size);
  chosen.forEach((index, i) => {
    for (let j = 0; j < size; j++) data[i * size + j] = bytes.images[index * size + j]! / 255;
  });
  return tf.tensor4d(data, [chosen.length, bytes.height, bytes.width, bytes.channels]);
}

/**
 * Builds the tokenizer a BEiT-style configuration names (`tokenizer.kind`): a k-means codebook
 * fitted on `sources.images` (seeded by `seed`), DALL-E's dVAE encoder loaded from
 * `sources.stateDict`, or a frozen teacher (a ViT and an iBOT head built from `tokenizer.backbone`
 * and `tokenizer.head`, normalised like the student's view) loaded from `sources.stateDict` under
 * `tokenizer.prefix`. Pass the result to `createBeitPretraining`, which takes ownership.
 *
 * @throws SslError `INVALID_ARGUMENT` when the kind's source is missing, `STATE_DICT_MISMATCH`
 *   when the weights do not fit.
 * @example
 * ```ts
 * const train = await loadBundledFashionMnist('train');
 * const tokenizer = await createBeitTokenizer(BEIT_FASHION_MNIST_REFERENCE, { images: train });
 * const run = createBeitPretraining(BEIT_FASHION_MNIST_REFERENCE, loader.batchesPerEpoch, { tokenizer });
 * ```
 */
export async function createBeitTokenizer(input: BeitConfigInput | BeitConfig, sources: BeitTokenizerSources = {}): Promise<Tokenizer> {
  const config = parseConfig(beitConfigSchema, input, 'BEiT configuration');
  const t = config.tokenizer;
  const patchSize = config.backbone.patchSize;
  if (t.kind === 'kmeans') {
    if (sources.restoring) {
      const dim = patchSize * patchSize * config.backbone.inChannels;
      return createKmeansTokenizer({ patchSize, centroids: { shape: [t.vocabularySize, dim], data: new Float32Array(t.vocabularySize * dim) } });
    }
    const source = sources.images;
    if (!source) throw missing('kmeans', 'the training images to fit its codebook on', 'Pass { images } (a dataset of @selfsup/data or a [count, H, W, C] tensor in [0, 1]).');
    const patchesPerImage = (config.augmentation.size / patchSize) ** 2;
    if (!(source instanceof tf.Tensor)) checkKmeansImages(source, patchSize, t.vocabularySize);
    const images = source instanceof tf.Tensor ? source : imagesFromBytes(source, Math.ceil((2 * t.maxPatches) / patchesPerImage), config.seed);
    try {
      return await fitKmeansTokenizer(images, { vocabularySize: t.vocabularySize, patchSize, rng: createRng(config.seed), iterations: t.iterations, maxPatches: t.maxPatches });
    } finally {
      if (images !== source) images.dispose();
    }
  }
  if (!sources.stateDict) {
    throw missing(
      t.kind,
      t.kind === 'dvae' ? "DALL-E's encoder weights" : "the teacher's weights",
      `Pass { stateDict } (read ${t.weights ?? 'the file named by tokenizer.weights'} with stateDictFromSafetensors of @selfsup/core).`,
    );
  }
  if (t.kind === 'dvae') {
    const { kind: _kind, weights: _weights, ...architecture } = t;
    return createDvaeTokenizer({ ...architecture, patchSize, stateDict: sources.stateDict });
  }
  if (t.backbone.patchSize !== patchSize) {
    throw new SslError(
      'INVALID_CONFIG',
      `tokenizer.backbone.patchSize: expected backbone.patchSize (${patchSize}), got ${t.backbone.patchSize}: the teacher must give one id per patch of the student.`,
    );
  }
  const backbone = createMethodBackbone(t.backbone, { seed: config.seed, maskToken: false, dropPathRate: 0 });
  const head = createIbotHead({
    inDim: backbone.embedDim,
    outDim: t.head.outDim,
    patchOutDim: t.head.patchOutDim ?? t.head.outDim,
    hiddenDim: t.head.hiddenDim,
    bottleneckDim: t.head.bottleneckDim,
    layerCount: t.head.layerCount,
    normalizeLastLayer: t.head.normalizeLastLayer,
    sharedHead: t.head.sharedHead,
  });
  const tokenizer = createFrozenTeacherTokenizer({ backbone, head, normalize: { mean: config.augmentation.mean, std: config.augmentation.std } });
  try {
    loadStateDict(tokenizer, sources.stateDict, { prefix: t.prefix });
  } catch (error) {
    tokenizer.dispose();
    if (!isSslError(error)) throw error;
    throw new SslError(error.code, `createBeitTokenizer: the teacher's weights do not fit tokenizer.backbone and tokenizer.head. ${error.message}`, { cause: error });
  }
  return tokenizer;
}
