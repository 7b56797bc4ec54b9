import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkNotDisposed, invalidArgument } from '@selfsup/core';

/** Who checks the images: `owner` names the call in messages (`vit.encode`), `model` the backbone. */
export interface NhwcImagesCheck {
  readonly owner: string;
  readonly model: string;
  readonly inChannels: number;
  /** Whether a shape with the wrong channel count looks like NCHW data (the message then says so). */
  readonly looksNchw: (shape: readonly number[]) => boolean;
}

/**
 * Checks the images a backbone encodes: a live rank-4 NHWC tensor with the backbone's channels.
 * Returns `[batch, height, width]` in pixels; the backbone checks the sides it accepts.
 */
export function checkNhwcImages(check: NhwcImagesCheck, images: tf.Tensor4D): [number, number, number] {
  const { owner, model, inChannels } = check;
  checkNotDisposed(`${owner}(images)`, images);
  if (!(images instanceof tf.Tensor) || images.rank !== 4) {
    throw invalidArgument({
      argument: `${owner}(images)`,
      expected: `a rank-4 NHWC tensor [batch, height, width, ${inChannels}]`,
      actual: images instanceof tf.Tensor ? images.shape : images,
      fix: 'Images are NHWC; transpose NCHW data with tf.transpose(x, [0, 2, 3, 1]).',
    });
  }
  const [batch, height, width, channels] = images.shape;
  if (channels !== inChannels) {
    throw new SslError(
      'SHAPE_MISMATCH',
      `${owner}(images): expected ${inChannels} channel(s) (NHWC), got shape [${images.shape.join(', ')}]. ` +
        (check.looksNchw(images.shape) ? 'The images look NCHW: transpose them with tf.transpose(x, [0, 2, 3, 1]).' : `Create the ${model} with the matching inChannels.`),
    );
  }
  return [batch, height, width];
}
