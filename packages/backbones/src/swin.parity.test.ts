import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { exportStateDict, loadStateDict, stateDictFromRecords } from '@selfsup/core';
import { expectClose, expectNoLeaks, imagesFromFixture, loadFixture, type FixtureTensor } from '@selfsup/testing';
import { createSwin } from './swin.js';

interface SwinFixture {
  config: {
    img_size: number;
    patch_size: number;
    in_chans: number;
    embed_dim: number;
    depths: number[];
    num_heads: number[];
    window_size: number;
    mlp_ratio: number;
    qkv_bias: boolean;
    layer_norm_eps: number;
    patch_norm: boolean;
    ape: boolean;
  };
  state_dict: Record<string, FixtureTensor>;
  cases: { name: string; images: FixtureTensor; mask?: FixtureTensor; tokens: FixtureTensor }[];
}

// Every setting comes from the fixture, so the same test runs on fixtures of other sizes, depths,
// windows and seeds (SELFSUP_REFERENCE_DIR).
const fixture = loadFixture<SwinFixture>('swin.json');
const c = fixture.config;

function swinFromFixture() {
  // the layout this implementation has: iBOT's defaults (patch norm on, no absolute position embedding)
  expect({ patchNorm: c.patch_norm, ape: c.ape }).toEqual({ patchNorm: true, ape: false });
  const swin = createSwin({
    imageSize: c.img_size,
    patchSize: c.patch_size,
    inChannels: c.in_chans,
    embedDim: c.embed_dim,
    depths: c.depths,
    headCounts: c.num_heads,
    windowSize: c.window_size,
    mlpRatio: c.mlp_ratio,
    qkvBias: c.qkv_bias,
    layerNormEps: c.layer_norm_eps,
    maskToken: 'masked_embed' in fixture.state_dict,
  });
  const result = loadStateDict(swin, stateDictFromRecords(fixture.state_dict));
  expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
  return swin;
}

/** The case's mask, `[B, mh, mw]` at the last stage's grid, as `[B, mh * mw]`. The caller owns it. */
function tokenMaskOf(testCase: SwinFixture['cases'][number]): tf.Tensor2D | undefined {
  if (!testCase.mask) return undefined;
  const [batch, rows, columns] = testCase.mask.shape as [number, number, number];
  return tf.tensor2d(testCase.mask.data, [batch, rows * columns]);
}

describe('createSwin parity with the official iBOT SwinTransformer (swin.json)', () => {
  for (const testCase of fixture.cases) {
    it(`gives the official tokens for the ${testCase.name} case to 1e-4`, () => {
      const swin = swinFromFixture();
      tf.tidy(() => {
        const images = imagesFromFixture(testCase.images);
        const [, height, width] = images.shape;
        const tokenMask = tokenMaskOf(testCase);
        if (testCase.mask) expect(swin.maskGrid(height, width)).toEqual(testCase.mask.shape.slice(1));
        const { classToken, patchTokens } = swin.encode(images, tokenMask ? { tokenMask } : {});
        const [rows, columns] = swin.tokenGrid(height, width);
        expect(patchTokens.shape[1]).toBe(rows * columns);
        // [B, D] and [B, L, D] -> [B, 1+L, D], the layout of return_all_tokens
        const tokens = tf.concat([tf.expandDims(classToken, 1), patchTokens], 1);
        expectClose(tokens, testCase.tokens, { rtol: 1e-4, atol: 1e-4 }, `${testCase.name} tokens`);
      });
      swin.dispose();
    });
  }

  it('masks change the masked global crop: the masked and plain cases differ where the official ones do', async () => {
    // guards the parity cases against a mask that is silently ignored
    const masked = fixture.cases.find((t) => t.mask);
    const plain = fixture.cases.find((t) => !t.mask && masked && t.images.shape.join() === masked.images.shape.join());
    if (!masked || !plain) return;
    const swin = swinFromFixture();
    const [ours, official] = tf.tidy(() => {
      const images = imagesFromFixture(masked.images);
      const withMask = swin.encode(images, { tokenMask: tokenMaskOf(masked)! }).patchTokens;
      const without = swin.encode(images).patchTokens;
      return [tf.max(tf.abs(tf.sub(withMask, without))), tf.max(tf.abs(tf.sub(tf.tensor(masked.tokens.data), tf.tensor(plain.tokens.data))))];
    });
    const [ourDifference, officialDifference] = [(await ours.data())[0]!, (await official.data())[0]!];
    expect(ourDifference).toBeGreaterThan(officialDifference / 2);
    tf.dispose([ours, official]);
    swin.dispose();
  });

  it('exports the same state dict back under PyTorch names and layouts (relative_position_index included)', async () => {
    const swin = swinFromFixture();
    const exported = await exportStateDict(swin);
    expect([...exported.keys()].sort()).toEqual(Object.keys(fixture.state_dict).sort());
    for (const [name, tensor] of exported) {
      const original = fixture.state_dict[name]!;
      expect(tensor.shape, name).toEqual(original.shape);
      expectClose(tensor.data, original.data, { rtol: 0, atol: 0 }, name);
    }
    swin.dispose();
  });

  it('computes relative_position_index as the official buffer, without loading it', async () => {
    const swin = createSwin({
      imageSize: c.img_size,
      patchSize: c.patch_size,
      inChannels: c.in_chans,
      embedDim: c.embed_dim,
      depths: c.depths,
      headCounts: c.num_heads,
      windowSize: c.window_size,
      mlpRatio: c.mlp_ratio,
      qkvBias: c.qkv_bias,
    });
    const fresh = await exportStateDict(swin);
    const names = Object.keys(fixture.state_dict).filter((name) => name.endsWith('.relative_position_index'));
    expect(names.length).toBe(c.depths.reduce((a, b) => a + b, 0));
    for (const name of names) expectClose(fresh.get(name)!.data, fixture.state_dict[name]!.data, { rtol: 0, atol: 0 }, name);
    swin.dispose();
  });

  it('encodes without leaking tensors, masked or not', async () => {
    const swin = swinFromFixture();
    for (const testCase of fixture.cases) {
      const images = imagesFromFixture(testCase.images);
      const tokenMask = tokenMaskOf(testCase);
      await expectNoLeaks(() => swin.encode(images, tokenMask ? { tokenMask } : {}), `encode ${testCase.name}`);
      tf.dispose([images, tokenMask]);
    }
    swin.dispose();
  });
});
