import * as tf from '@tensorflow/tfjs-core';
import { checkInteger, invalidArgument } from '@selfsup/core';

/** What {@link imagesToTensor} reads: a {@link Batch} or any NHWC bytes with their sizes. */
export interface ImageBytes {
  /** `[size, height, width, channels]` pixels, 0-255. */
  readonly images: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

const SCALE = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/**
 * NHWC bytes as a float32 tensor `[size, height, width, channels]` scaled to `[0, 1]` (`x / 255`,
 * as torchvision's `ToTensor`). The conversion is done on the host. The caller owns the tensor.
 *
 * @example
 * ```ts
 * const images = imagesToTensor(batch); // tf.Tensor4D, float32
 * images.dispose();
 * ```
 */
export function imagesToTensor(batch: ImageBytes): tf.Tensor4D {
  if (batch === null || typeof batch !== 'object' || !(batch.images instanceof Uint8Array)) {
    throw invalidArgument({ argument: 'imagesToTensor(batch.images)', expected: 'a Uint8Array', actual: batch?.images });
  }
  const height = checkInteger('imagesToTensor(batch.height)', batch.height, 1);
  const width = checkInteger('imagesToTensor(batch.width)', batch.width, 1);
  const channels = checkInteger('imagesToTensor(batch.channels)', batch.channels, 1);
  const imageSize = height * width * channels;
  if (batch.images.length % imageSize !== 0) {
    throw invalidArgument({
      argument: 'imagesToTensor(batch.images)',
      expected: `a multiple of ${height} x ${width} x ${channels} = ${imageSize} bytes`,
      actual: `${batch.images.length} bytes`,
    });
  }
  const size = batch.images.length / imageSize;
  const values = new Float32Array(batch.images.length);
  for (let i = 0; i < values.length; i++) values[i] = SCALE[batch.images[i]!]!;
  return tf.tidy('imagesToTensor', () => tf.tensor4d(values, [size, height, width, channels], 'float32'));
}
