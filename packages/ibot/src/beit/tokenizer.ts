import type * as tf from '@tensorflow/tfjs-core';
import { invalidArgument, type Module } from '@selfsup/core';

/**
 * A visual tokenizer for BEiT-style masked image modelling: it maps every patch of an image to
 * the id of a visual token, the class the student must predict for that patch when it is masked.
 * Its state (a codebook, an encoder's weights) is a {@link Module}, so checkpoints hold it; it is
 * never trained by the recipe. Three come with this package: {@link createKmeansTokenizer} (a
 * codebook fitted on pixel patches with {@link fitKmeansTokenizer}), {@link createDvaeTokenizer}
 * (DALL-E's dVAE encoder, BEiT's tokenizer) and {@link createFrozenTeacherTokenizer} (the argmax of
 * a frozen network's patch logits). Any object of this shape works.
 */
export interface Tokenizer extends Module {
  /** A short name for logs and errors: `kmeans`, `dvae`, `frozen-teacher`. */
  readonly name: string;
  /** Ids run from 0 to `vocabularySize - 1`. */
  readonly vocabularySize: number;
  /** The side, in pixels of the images given to `tokenize`, of the square patch one id stands for. */
  readonly patchSize: number;
  /**
   * The visual token of every patch.
   *
   * @param images - `[batch, height, width, channels]` pixels in [0, 1]: the crop the student sees,
   *   before its normalisation; height and width multiples of `patchSize`.
   * @returns `[batch, (height / patchSize) * (width / patchSize)]` int32 ids, patches row-major
   *   (the order of the ViT's patch tokens). The caller owns it.
   */
  tokenize(images: tf.Tensor4D): tf.Tensor2D;
}

/**
 * Checks the images given to a tokenizer: NHWC float32 with sides that are multiples of
 * `patchSize` (and `channels` channels, when given). Returns the patch grid `[rows, columns]`.
 */
export function checkTokenizerImages(where: string, images: tf.Tensor4D, patchSize: number, channels?: readonly number[]): [number, number] {
  const shape = (images as { shape?: unknown })?.shape;
  const ok =
    Array.isArray(shape) &&
    shape.length === 4 &&
    images.dtype === 'float32' &&
    shape[1] % patchSize === 0 &&
    shape[2] % patchSize === 0 &&
    shape[1] > 0 &&
    (channels === undefined || channels.includes(shape[3]));
  if (!ok) {
    throw invalidArgument({
      argument: `${where}(images)`,
      expected: `float32 NHWC images in [0, 1], [batch, height, width, ${channels ? channels.join(' or ') : 'channels'}] with height and width multiples of ${patchSize}`,
      actual: Array.isArray(shape) ? `${images.dtype} [${shape.join(', ')}]` : images,
      code: 'SHAPE_MISMATCH',
      fix: 'Pass the crop the student sees, before normalisation, with pixels scaled to [0, 1].',
    });
  }
  return [shape[1] / patchSize, shape[2] / patchSize];
}
