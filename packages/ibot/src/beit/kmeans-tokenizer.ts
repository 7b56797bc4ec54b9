import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkInteger, checkOptions, invalidArgument, type HostTensor, type Parameter, type Rng } from '@selfsup/core';
import { patchify } from '@selfsup/losses';
import { kmeans } from '@selfsup/eval';
import { checkTokenizerImages, type Tokenizer } from './tokenizer.js';

/** Options of {@link createKmeansTokenizer}. */
export interface KmeansTokenizerOptions {
  /** `[vocabularySize, patchSize * patchSize * channels]` centroids, each a flattened patch `(row, column, channel)` as `patchify` lays it out. */
  centroids: HostTensor;
  /** Side of the square patches, in pixels. */
  patchSize: number;
}

/** A k-means codebook over pixel patches, as a {@link Tokenizer}. */
export interface KmeansTokenizer extends Tokenizer {
  /** `[vocabularySize, patchSize * patchSize * channels]`: the codebook (saved as `codebook`). */
  readonly codebook: tf.Variable<tf.Rank.R2>;
  /** Image channels the centroids were made for. */
  readonly channels: number;
}

/**
 * A visual tokenizer made of a codebook of pixel patches: each patch of an image gets the id of
 * its nearest centroid in squared Euclidean distance (the lower id on ties). The simplest
 * tokenizer for BEiT-style pretraining, fitted in seconds with {@link fitKmeansTokenizer}; the
 * codebook is a non-trainable `codebook` parameter so checkpoints hold it.
 *
 * @example
 * ```ts
 * const tokenizer = createKmeansTokenizer({ centroids: { shape: [2, 4], data: new Float32Array([0, 0, 0, 0, 1, 1, 1, 1]) }, patchSize: 2 });
 * tokenizer.tokenize(tf.ones([1, 2, 4, 1])).print(); // [[1, 1]]
 * ```
 */
export function createKmeansTokenizer(options: KmeansTokenizerOptions): KmeansTokenizer {
  checkOptions('createKmeansTokenizer(options)', options);
  const patchSize = checkInteger('createKmeansTokenizer(options.patchSize)', options.patchSize, 1);
  const { centroids } = options;
  if (!centroids || !Array.isArray(centroids.shape) || centroids.shape.length !== 2 || centroids.shape[1]! % (patchSize * patchSize) !== 0 || centroids.shape[0]! < 1) {
    throw invalidArgument({
      argument: 'createKmeansTokenizer(options.centroids)',
      expected: `a [vocabularySize, ${patchSize}*${patchSize}*channels] host tensor`,
      actual: centroids?.shape,
      code: 'SHAPE_MISMATCH',
    });
  }
  const [vocabularySize, dim] = centroids.shape as [number, number];
  const channels = dim / (patchSize * patchSize);
  const codebook = tf.tidy(() => tf.variable(tf.tensor2d(centroids.data, [vocabularySize, dim], 'float32'), false)) as tf.Variable<tf.Rank.R2>;
  const parameters: Parameter[] = [{ name: 'codebook', variable: codebook, trainable: false }];
  let disposed = false;
  return {
    name: 'kmeans',
    vocabularySize,
    patchSize,
    channels,
    codebook,
    parameters: () => parameters,
    tokenize(images) {
      if (disposed) throw new SslError('DISPOSED', 'kmeansTokenizer.tokenize: this tokenizer was disposed; create a new one.');
      const [rows, columns] = checkTokenizerImages('kmeansTokenizer.tokenize', images, patchSize, [channels]);
      const batch = images.shape[0];
      return tf.tidy('kmeansTokenizer.tokenize', () => {
        const patches = tf.reshape(patchify(images, patchSize), [batch * rows * columns, dim]); // [B, N, D] -> [B*N, D]
        // ||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2; ||x||^2 is the same for every centroid of a row
        const distances = tf.sub(tf.sum(tf.square(codebook), 1), tf.mul(tf.matMul(patches, codebook, false, true), 2)); // [B*N, V]
        return tf.reshape(tf.argMin(distances, 1), [batch, rows * columns]) as tf.Tensor2D;
      });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      codebook.dispose();
    },
  };
}

/** Options of {@link fitKmeansTokenizer}. */
export interface FitKmeansTokenizerOptions {
  /** Centroids (visual tokens) to fit. */
  vocabularySize: number;
  /** Side of the square patches, in pixels: the student's patch size. */
  patchSize: number;
  /** Randomness of the patch sample and of the k-means++ seeding. */
  rng: Rng;
  /**
   * Most Lloyd iterations.
   * @defaultValue 20
   */
  iterations?: number;
  /**
   * Patches drawn (without replacement) from all the images' patches to fit on; all of them when
   * there are fewer.
   * @defaultValue 65536
   */
  maxPatches?: number;
}

/**
 * Fits a {@link createKmeansTokenizer} codebook on the patches of training images: the images are
 * cut into patches (`patchify`), up to `maxPatches` of them are drawn at random, and k-means
 * (k-means++ seeding, then Lloyd iterations, on the host) clusters them into `vocabularySize`
 * centroids. The images are not disposed.
 *
 * @param images - `[count, height, width, channels]` pixels in [0, 1].
 * @example
 * ```ts
 * const train = await loadBundledFashionMnist('train');
 * const images = tf.div(tf.tensor4d(train.images, [train.count, 28, 28, 1], 'float32'), 255) as tf.Tensor4D;
 * const tokenizer = await fitKmeansTokenizer(images, { vocabularySize: 256, patchSize: 4, rng: createRng(0) });
 * images.dispose();
 * ```
 */
export async function fitKmeansTokenizer(images: tf.Tensor4D, options: FitKmeansTokenizerOptions): Promise<KmeansTokenizer> {
  const where = 'fitKmeansTokenizer';
  const vocabularySize = checkInteger(`${where}(options.vocabularySize)`, options.vocabularySize, 1);
  const patchSize = checkInteger(`${where}(options.patchSize)`, options.patchSize, 1);
  const iterations = checkInteger(`${where}(options.iterations)`, options.iterations ?? 20, 1);
  const maxPatches = checkInteger(`${where}(options.maxPatches)`, options.maxPatches ?? 65536, 1);
  const [rows, columns] = checkTokenizerImages(where, images, patchSize);
  const patches = patchify(images, patchSize); // [count, N, D]
  const all = (await patches.data()) as Float32Array;
  patches.dispose();
  const dim = patchSize * patchSize * images.shape[3];
  const total = images.shape[0] * rows * columns;
  if (total < vocabularySize) {
    throw invalidArgument({
      argument: `${where}(images)`,
      expected: `at least vocabularySize (${vocabularySize}) patches`,
      actual: `${total} patches`,
      fix: 'Pass more images or ask for a smaller vocabulary.',
    });
  }
  let data = all;
  let count = total;
  if (total > maxPatches) {
    const chosen = options.rng.permutation(total).subarray(0, maxPatches);
    data = new Float32Array(maxPatches * dim);
    chosen.forEach((row, i) => data.set(all.subarray(row * dim, (row + 1) * dim), i * dim));
    count = maxPatches;
  }
  const result = kmeans({ shape: [count, dim], data }, vocabularySize, options.rng, { iterations });
  return createKmeansTokenizer({ centroids: result.centroids, patchSize });
}
