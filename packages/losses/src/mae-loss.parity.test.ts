import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectClose, fromFixture, imagesFromFixture, loadFixture, type FixtureTensor } from '@selfsup/testing';
import { maeLoss } from './mae-loss.js';
import { patchify, unpatchify } from './patchify.js';

interface MaeFixture {
  patch_size: number;
  images: FixtureTensor; // NCHW
  patchified: FixtureTensor; // [B, N, p*p*C]
  cases: { mask_ratio: number; mask: FixtureTensor; pred: FixtureTensor; loss: { plain: number; norm_pix: number } }[];
}

const fixture = loadFixture<MaeFixture>('mae.json');

describe("maeLoss and patchify parity with the official MAE (mae.json)", () => {
  it("patchifies NHWC images as MAE's patchify does NCHW ones, and unpatchify inverts it", () => {
    tf.tidy(() => {
      const images = imagesFromFixture(fixture.images);
      const patches = patchify(images, fixture.patch_size);
      // a rearrangement: values must be identical
      expectClose(patches, fixture.patchified, { rtol: 0, atol: 0 }, 'patchified');
      expectClose(unpatchify(patches, fixture.patch_size, [images.shape[1] / fixture.patch_size, images.shape[2] / fixture.patch_size]), images, { rtol: 0, atol: 0 });
    });
  });

  for (const c of fixture.cases) {
    for (const normalizePixels of [false, true]) {
      it(`gives the official loss, mask ratio ${c.mask_ratio}, norm_pix_loss ${normalizePixels}`, () => {
        tf.tidy(() => {
          const loss = maeLoss({
            images: imagesFromFixture(fixture.images),
            prediction: fromFixture(c.pred) as tf.Tensor3D,
            mask: fromFixture(c.mask),
            patchSize: fixture.patch_size,
            normalizePixels,
          });
          const expected = normalizePixels ? c.loss.norm_pix : c.loss.plain;
          expectClose(loss, [expected], { rtol: 1e-5, atol: 0 });
          expect(loss.shape).toEqual([]);
        });
      });
    }
  }
});
