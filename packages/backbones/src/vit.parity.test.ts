import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { exportStateDict, loadStateDict, stateDictFromRecords } from '@selfsup/core';
import { expectClose, expectNoLeaks, imagesFromFixture, loadFixture, type FixtureTensor } from '@selfsup/testing';
import { createVit } from './vit.js';

interface VitFixture {
  config: {
    img_size: number;
    patch_size: number;
    in_chans: number;
    embed_dim: number;
    depth: number;
    num_heads: number;
    mlp_ratio: number;
    qkv_bias: boolean;
    layer_norm_eps: number;
  };
  state_dict: Record<string, FixtureTensor>;
  cases: { name: string; images: FixtureTensor; mask?: FixtureTensor; tokens: FixtureTensor }[];
}

// Every setting comes from the fixture, so the same test runs on fixtures of other sizes, depths,
// heads and seeds (SELFSUP_REFERENCE_DIR).
const fixture = loadFixture<VitFixture>('vit.json');
const c = fixture.config;

function vitFromFixture() {
  const vit = createVit({
    imageSize: c.img_size,
    patchSize: c.patch_size,
    inChannels: c.in_chans,
    embedDim: c.embed_dim,
    depth: c.depth,
    headCount: c.num_heads,
    mlpRatio: c.mlp_ratio,
    qkvBias: c.qkv_bias,
    layerNormEps: c.layer_norm_eps,
    maskToken: 'masked_embed' in fixture.state_dict,
  });
  const result = loadStateDict(vit, stateDictFromRecords(fixture.state_dict));
  expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
  return vit;
}

describe('createVit parity with the official iBOT VisionTransformer (vit.json)', () => {
  for (const testCase of fixture.cases) {
    it(`gives the official tokens for the ${testCase.name} case to 1e-4`, () => {
      const vit = vitFromFixture();
      tf.tidy(() => {
        const images = imagesFromFixture(testCase.images);
        const [batch, height, width] = images.shape;
        const n = (height / c.patch_size) * (width / c.patch_size);
        // masks are [B, h, w] over the patch grid, row-major like the patches: [B, h, w] -> [B, N]
        const tokenMask = testCase.mask ? tf.tensor2d(testCase.mask.data, [batch, n]) : undefined;
        const { classToken, patchTokens } = vit.encode(images, tokenMask ? { tokenMask } : {});
        // [B, D] and [B, N, D] -> [B, 1+N, D], the layout of return_all_tokens
        const tokens = tf.concat([tf.expandDims(classToken, 1), patchTokens], 1);
        expectClose(tokens, testCase.tokens, { rtol: 1e-4, atol: 1e-4 }, `${testCase.name} tokens`);
      });
      vit.dispose();
    });
  }

  it('exports the same state dict back under PyTorch names and layouts', async () => {
    const vit = vitFromFixture();
    const exported = await exportStateDict(vit);
    expect([...exported.keys()].sort()).toEqual(Object.keys(fixture.state_dict).sort());
    for (const [name, tensor] of exported) {
      const original = fixture.state_dict[name]!;
      expect(tensor.shape, name).toEqual(original.shape);
      expectClose(tensor.data, original.data, { rtol: 0, atol: 0 }, name);
    }
    vit.dispose();
  });

  it('encodes without leaking tensors, masked or not', async () => {
    const vit = vitFromFixture();
    for (const testCase of fixture.cases) {
      const images = imagesFromFixture(testCase.images);
      const [batch, height, width] = images.shape;
      const n = (height / c.patch_size) * (width / c.patch_size);
      const tokenMask = testCase.mask ? tf.tensor2d(testCase.mask.data, [batch, n]) : undefined;
      await expectNoLeaks(() => vit.encode(images, tokenMask ? { tokenMask } : {}), `encode ${testCase.name}`);
      tf.dispose([images, tokenMask]);
    }
    vit.dispose();
  });
});
