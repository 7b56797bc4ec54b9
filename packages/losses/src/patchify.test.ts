import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { patchify, unpatchify } from './patchify.js';

describe('patchify / unpatchify', () => {
  it('cuts row-major patches, each flattened (row, column, channel) (hand-derived)', () => {
    tf.tidy(() => {
      // a 4x4 one-channel image holding 0..15 row by row, 2x2 patches
      const image = tf.reshape(tf.range(0, 16), [1, 4, 4, 1]) as tf.Tensor4D;
      // prettier-ignore
      expectClose(patchify(image, 2), [0, 1, 4, 5,  2, 3, 6, 7,  8, 9, 12, 13,  10, 11, 14, 15], { rtol: 0, atol: 0 });
      // two channels: pixel (y, x) = [10 (y * 2 + x), -(10 (y * 2 + x))], one 2x2 patch: channels interleave per pixel
      const rgb = tf.tensor4d([0, -0, 10, -10, 20, -20, 30, -30], [1, 2, 2, 2]);
      expectClose(patchify(rgb, 2), [0, -0, 10, -10, 20, -20, 30, -30], { rtol: 0, atol: 0 });
      expect(patchify(tf.zeros([3, 8, 12, 3]) as tf.Tensor4D, 4).shape).toEqual([3, 6, 48]);
    });
  });

  it('unpatchify inverts patchify, square or not', () => {
    tf.tidy(() => {
      const images = tf.randomNormal([2, 8, 12, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      expectClose(unpatchify(patchify(images, 4), 4, [2, 3]), images, { rtol: 0, atol: 0 });
      const square = tf.randomNormal([1, 8, 8, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
      expectClose(unpatchify(patchify(square, 2), 2), square, { rtol: 0, atol: 0 });
    });
  });

  it('rejects sizes that are not multiples of the patch size, and a wrong grid', () => {
    tf.tidy(() => {
      expect(() => patchify(tf.zeros([1, 6, 8, 3]) as tf.Tensor4D, 4)).toThrow(/multiples of 4/);
      expect(() => patchify(tf.zeros([1, 8, 8, 3]) as tf.Tensor4D, 0)).toThrow(SslError);
      expect(() => unpatchify(tf.zeros([1, 6, 48]) as tf.Tensor3D, 4)).toThrow(/grid of 6 patches/);
      expect(() => unpatchify(tf.zeros([1, 4, 47]) as tf.Tensor3D, 4)).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    });
  });

  it('leaks no tensor', async () => {
    const images = tf.ones([1, 8, 8, 3]) as tf.Tensor4D;
    const patches = tf.ones([1, 4, 48]) as tf.Tensor3D;
    await expectNoLeaks(() => patchify(images, 4), 'patchify');
    await expectNoLeaks(() => unpatchify(patches, 4), 'unpatchify');
    tf.dispose([images, patches]);
  });
});
