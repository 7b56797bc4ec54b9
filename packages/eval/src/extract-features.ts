import * as tf from '@tensorflow/tfjs-core';
import { checkInteger, invalidArgument, type Backbone, type HostTensor } from '@selfsup/core';

/**
 * Which tokens make an image's feature:
 * - `'class'`: the (normalised) [CLS] token, `[dim]` (iBOT/DINO `avgpool_patchtokens=0`);
 * - `'meanPatch'`: the mean of the (normalised) patch tokens, `[dim]` (as `avgpool_patchtokens=1`,
 *   for BEiT- and MAE-style backbones);
 * - `'classAndMeanPatch'`: both, concatenated, `[2 * dim]` (as `avgpool_patchtokens=2`).
 */
export type FeatureToken = 'class' | 'meanPatch' | 'classAndMeanPatch';

/**
 * Images as bytes: `[count, height, width, channels]` pixels, 0-255, NHWC. An `ImageDataset` or a
 * `Batch` of `@selfsup/data` is one. They become float32 in `[0, 1]` (`x / 255`) before the
 * `preprocess` option.
 */
export interface ImageBytes {
  readonly images: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/**
 * Batches of images, given one at a time: NHWC tensors (which the caller owns: a generator may
 * dispose each one after `yield` returns, when it has been encoded) or {@link ImageBytes}.
 */
export type ImageBatches = Iterable<tf.Tensor4D | ImageBytes> | AsyncIterable<tf.Tensor4D | ImageBytes>;

/**
 * Where {@link extractFeatures} reads images: a whole NHWC tensor or {@link ImageBytes} (cut into
 * batches of `batchSize`), or already made {@link ImageBatches}.
 */
export type ImageSource = tf.Tensor4D | ImageBytes | ImageBatches;

/** How far {@link extractFeatures} is. */
export interface ExtractFeaturesProgress {
  /** Images encoded so far. */
  readonly images: number;
  /** All images, when the source says (a tensor or bytes); undefined for batches given one by one. */
  readonly total: number | undefined;
}

/** Options of {@link extractFeatures}. */
export interface ExtractFeaturesOptions {
  /**
   * Which tokens make the feature (see {@link FeatureToken}).
   * @defaultValue 'class'
   */
  token?: FeatureToken;
  /**
   * Divide each feature by its Euclidean length (`F.normalize(dim=1)` of `eval_knn.py`), as the
   * k-NN classifier expects; turn off for a linear probe on raw features.
   * @defaultValue true
   */
  normalize?: boolean;
  /**
   * Images per forward pass when the source is a whole tensor or bytes (ignored for batches).
   * @defaultValue 64
   */
  batchSize?: number;
  /**
   * Applied to each batch of float images before the backbone (e.g. mean/std normalisation or a
   * resize), inside the batch's `tf.tidy`: return a new tensor, do not dispose the input.
   * @defaultValue none (the images as given, bytes scaled to [0, 1])
   */
  preprocess?: (images: tf.Tensor4D) => tf.Tensor4D;
  /**
   * Called after every batch.
   * @defaultValue none
   */
  onProgress?: (progress: ExtractFeaturesProgress) => void;
}

const BYTE_SCALE = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/**
 * Encodes images with a frozen backbone (a teacher or a student) and returns one feature row per
 * image on the host: the [CLS] token, the mean patch token or both (`token`), L2-normalised by
 * default, as iBOT's and DINO's `extract_features` followed by `nn.functional.normalize(dim=1)`.
 * The backbone runs in inference mode (no drop path); batches are encoded one after the other and
 * every tensor made on the way is disposed, so memory stays at one batch.
 *
 * @param backbone - any {@link Backbone}; its `encode` gives `classToken` `[batch, dim]` and
 *   `patchTokens` `[batch, tokens, dim]`.
 * @param source - the images (see {@link ImageSource}); NHWC.
 * @returns `[count, dim]` features (`[count, 2 * dim]` for `'classAndMeanPatch'`), rows in the
 *   order of the images.
 *
 * @example
 * ```ts
 * const vit = createVit({ preset: 'tiny', imageSize: 28, patchSize: 7, inChannels: 1 });
 * const dataset = await loadBundledFashionMnist('train'); // bytes, [1000, 28, 28, 1]
 * const features = await extractFeatures(vit, dataset, { batchSize: 100 }); // { shape: [1000, 192], data }
 * ```
 */
export async function extractFeatures(
  backbone: Backbone,
  source: ImageSource,
  options: ExtractFeaturesOptions = {},
): Promise<HostTensor> {
  if (backbone === null || typeof backbone !== 'object' || typeof backbone.encode !== 'function') {
    throw invalidArgument({
      argument: 'extractFeatures(backbone)',
      expected: 'a Backbone (an object with encode(images))',
      actual: backbone,
      fix: 'Pass a backbone made by createVit, e.g. the teacher of a training run.',
    });
  }
  const token = options.token ?? 'class';
  if (token !== 'class' && token !== 'meanPatch' && token !== 'classAndMeanPatch') {
    throw invalidArgument({
      argument: 'extractFeatures(options.token)',
      expected: '"class", "meanPatch" or "classAndMeanPatch"',
      actual: token,
    });
  }
  const normalize = options.normalize ?? true;
  const batchSize = checkInteger('extractFeatures(options.batchSize)', options.batchSize ?? 64, 1);
  const { preprocess, onProgress } = options;
  const batches = toBatches(source, batchSize);

  const rows: Float32Array[] = [];
  let dim = token === 'classAndMeanPatch' ? 2 * backbone.embedDim : backbone.embedDim;
  let done = 0;
  for await (const batch of batches.items) {
    const features = tf.tidy('extractFeatures', () => {
      const floats = batch instanceof tf.Tensor ? batch : bytesToTensor(batch);
      const images = preprocess ? preprocess(floats) : floats;
      const { classToken, patchTokens } = backbone.encode(images);
      // [B, N, D] -> [B, D]
      const pooled =
        token === 'class'
          ? classToken
          : token === 'meanPatch'
            ? tf.mean(patchTokens, 1)
            : tf.concat([classToken, tf.mean(patchTokens, 1)], 1);
      if (!normalize) return pooled as tf.Tensor2D;
      // x / max(||x||, 1e-12), as torch.nn.functional.normalize
      const length = tf.sqrt(tf.sum(tf.square(pooled), 1, true));
      return tf.div(pooled, tf.maximum(length, 1e-12)) as tf.Tensor2D;
    });
    try {
      dim = features.shape[1];
      rows.push((await features.data()) as Float32Array);
      done += features.shape[0];
    } finally {
      features.dispose();
    }
    onProgress?.({ images: done, total: batches.total });
  }
  const data = new Float32Array(done * dim);
  let offset = 0;
  for (const chunk of rows) {
    data.set(chunk, offset);
    offset += chunk.length;
  }
  return { shape: [done, dim], data };
}

interface Batches {
  readonly items: Iterable<tf.Tensor4D | ImageBytes> | AsyncIterable<tf.Tensor4D | ImageBytes>;
  readonly total: number | undefined;
}

function isImageBytes(value: unknown): value is ImageBytes {
  return value !== null && typeof value === 'object' && (value as ImageBytes).images instanceof Uint8Array;
}

function toBatches(source: ImageSource, batchSize: number): Batches {
  if (source instanceof tf.Tensor) {
    if (source.rank !== 4) {
      throw invalidArgument({
        argument: 'extractFeatures(source)',
        expected: 'a rank-4 NHWC tensor [count, height, width, channels]',
        actual: `a tensor of shape [${source.shape.join(', ')}]`,
      });
    }
    const count = source.shape[0];
    return { items: tensorBatches(source, batchSize), total: count };
  }
  if (isImageBytes(source)) {
    const count = byteImageCount(source, 'extractFeatures(source)');
    return { items: byteBatches(source, count, batchSize), total: count };
  }
  if (source !== null && typeof source === 'object' && (Symbol.iterator in source || Symbol.asyncIterator in source)) {
    return { items: checkedBatches(source), total: undefined };
  }
  throw invalidArgument({
    argument: 'extractFeatures(source)',
    expected: 'an NHWC tensor, image bytes { images, height, width, channels }, or an (async) iterable of batches',
    actual: source,
  });
}

function* tensorBatches(images: tf.Tensor4D, batchSize: number): Generator<tf.Tensor4D> {
  const count = images.shape[0];
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const batch = tf.slice(images, [start, 0, 0, 0], [size, -1, -1, -1]);
    try {
      yield batch;
    } finally {
      batch.dispose();
    }
  }
}

function byteImageCount(bytes: ImageBytes, argument: string): number {
  const height = checkInteger(`${argument}.height`, bytes.height, 1);
  const width = checkInteger(`${argument}.width`, bytes.width, 1);
  const channels = checkInteger(`${argument}.channels`, bytes.channels, 1);
  const imageSize = height * width * channels;
  if (bytes.images.length % imageSize !== 0) {
    throw invalidArgument({
      argument: `${argument}.images`,
      expected: `a multiple of ${height} x ${width} x ${channels} = ${imageSize} bytes`,
      actual: `${bytes.images.length} bytes`,
    });
  }
  return bytes.images.length / imageSize;
}

function* byteBatches(bytes: ImageBytes, count: number, batchSize: number): Generator<ImageBytes> {
  const imageSize = bytes.height * bytes.width * bytes.channels;
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    yield { ...sizesOf(bytes), images: bytes.images.subarray(start * imageSize, end * imageSize) };
  }
}

function sizesOf(bytes: ImageBytes): Omit<ImageBytes, 'images'> {
  return { height: bytes.height, width: bytes.width, channels: bytes.channels };
}

async function* checkedBatches(
  batches: Iterable<tf.Tensor4D | ImageBytes> | AsyncIterable<tf.Tensor4D | ImageBytes>,
): AsyncGenerator<tf.Tensor4D | ImageBytes> {
  let index = 0;
  for await (const batch of batches) {
    if (batch instanceof tf.Tensor) {
      if (batch.rank !== 4 || batch.isDisposed) {
        throw invalidArgument({
          argument: `extractFeatures(source) batch ${index}`,
          expected: 'a live rank-4 NHWC tensor',
          actual: batch.isDisposed ? 'a disposed tensor' : `a tensor of shape [${batch.shape.join(', ')}]`,
          fix: 'Dispose each batch only after the next one is asked for (after yield returns).',
        });
      }
    } else if (isImageBytes(batch)) {
      byteImageCount(batch, `extractFeatures(source) batch ${index}`);
    } else {
      throw invalidArgument({
        argument: `extractFeatures(source) batch ${index}`,
        expected: 'an NHWC tensor or image bytes { images, height, width, channels }',
        actual: batch,
      });
    }
    yield batch;
    index++;
  }
}

/** `[count, height, width, channels]` bytes as float32 in [0, 1] (call inside a tidy). */
function bytesToTensor(bytes: ImageBytes): tf.Tensor4D {
  const count = bytes.images.length / (bytes.height * bytes.width * bytes.channels);
  const values = new Float32Array(bytes.images.length);
  for (let i = 0; i < values.length; i++) values[i] = BYTE_SCALE[bytes.images[i]!]!;
  return tf.tensor4d(values, [count, bytes.height, bytes.width, bytes.channels]);
}
