import * as tf from '@tensorflow/tfjs-core';
import { checkInteger, invalidArgument, type Backbone, type HostTensor } from '@selfsup/core';
import { extractFeatures, type ExtractFeaturesOptions, type ImageBytes } from './extract-features.js';

/**
 * The ranks of a data-parallel job, as far as feature extraction needs them: the `rank`,
 * `worldSize` and `allGather` of `@selfsup/distributed`'s `Communicator` (any communicator fits).
 */
export interface FeatureRanks {
  readonly rank: number;
  readonly worldSize: number;
  /** Every rank's `buffer`, concatenated in rank order. */
  allGather(buffer: Float32Array): Promise<Float32Array>;
}

/**
 * {@link extractFeatures} split across the ranks of a data-parallel job: rank `r` extracts the
 * features of rows `r·⌈count/worldSize⌉ …` of `source` (a contiguous block; the last blocks are
 * shorter or empty and padded with zeros), and the blocks are gathered to every rank, so every
 * rank ends with the features of all `count` images, in order, in `1/worldSize` of the time. Every
 * rank must call it with the same images and options. With one rank it is `extractFeatures`.
 *
 * @example
 * ```ts
 * const features = await extractFeaturesOnRanks(teacher, dataset, communicator, { batchSize: 100 }); // [count, dim] on every rank
 * ```
 */
export async function extractFeaturesOnRanks(
  backbone: Backbone,
  source: tf.Tensor4D | ImageBytes,
  ranks: FeatureRanks,
  options: ExtractFeaturesOptions = {},
): Promise<HostTensor> {
  const worldSize = checkRanks(ranks);
  if (worldSize === 1) return extractFeatures(backbone, source, options);
  const count = imageCount(source);
  const perRank = Math.ceil(count / worldSize);
  const start = Math.min(count, ranks.rank * perRank);
  const end = Math.min(count, start + perRank);
  const dim = options.token === 'classAndMeanPatch' ? 2 * backbone.embedDim : backbone.embedDim;
  const block = new Float32Array(perRank * dim);
  if (end > start) {
    const part = rowsOf(source, start, end);
    try {
      block.set((await extractFeatures(backbone, part, { ...options, onProgress: undefined })).data);
    } finally {
      if (part instanceof tf.Tensor) part.dispose();
    }
  }
  const gathered = await ranks.allGather(block);
  // blocks are contiguous and only the trailing ones are short: the first count rows are the images in order
  return { shape: [count, dim], data: gathered.slice(0, count * dim) };
}

function checkRanks(ranks: FeatureRanks): number {
  if (ranks === null || typeof ranks !== 'object' || typeof ranks.allGather !== 'function') {
    throw invalidArgument({
      argument: 'extractFeaturesOnRanks(ranks)',
      expected: 'a communicator { rank, worldSize, allGather }',
      actual: ranks,
      fix: 'Pass the communicator of the training run (createMpiCommunicator() under mpirun).',
    });
  }
  const worldSize = checkInteger('extractFeaturesOnRanks(ranks.worldSize)', ranks.worldSize, 1);
  checkInteger('extractFeaturesOnRanks(ranks.rank)', ranks.rank, 0, worldSize - 1);
  return worldSize;
}

function imageCount(source: tf.Tensor4D | ImageBytes): number {
  if (source instanceof tf.Tensor) return source.shape[0];
  if (source !== null && typeof source === 'object' && source.images instanceof Uint8Array) {
    const imageSize = source.height * source.width * source.channels;
    if (Number.isInteger(imageSize) && imageSize > 0 && source.images.length % imageSize === 0) return source.images.length / imageSize;
  }
  throw invalidArgument({
    argument: 'extractFeaturesOnRanks(source)',
    expected: 'an NHWC tensor or image bytes { images, height, width, channels } (sources that can be split by rows)',
    actual: source,
  });
}

function rowsOf(source: tf.Tensor4D | ImageBytes, start: number, end: number): tf.Tensor4D | ImageBytes {
  if (source instanceof tf.Tensor) return tf.slice(source, [start, 0, 0, 0], [end - start, -1, -1, -1]);
  const imageSize = source.height * source.width * source.channels;
  return { height: source.height, width: source.width, channels: source.channels, images: source.images.subarray(start * imageSize, end * imageSize) };
}
