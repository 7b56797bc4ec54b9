import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError, createRng, exportStateDict, type Backbone } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { createSwin, type SwinOptions } from './swin.js';
import { SWIN_PRESETS } from './swin-presets.js';
import { planSwinStages } from './swin-stages.js';
import { swinTimmModel } from './swin-rules.js';

// two stages: an 8x8 patch grid at 16 px (window 4, the odd block shifted by 2), then 4x4 (window 4, no shift)
const tiny = { imageSize: 16, patchSize: 2, embedDim: 8, depths: [2, 2], headCounts: [2, 4], windowSize: 4 } as const satisfies SwinOptions;

function images(batch: number, height: number, width: number, channels = 3, seed = 1): tf.Tensor4D {
  const rng = createRng(seed);
  return tf.tensor4d(Float32Array.from({ length: batch * height * width * channels }, () => rng.next()), [batch, height, width, channels]);
}

async function maxAbs(t: tf.Tensor): Promise<number> {
  const m = tf.max(tf.abs(t));
  const [value] = await m.data();
  m.dispose();
  return value!;
}

describe('createSwin', () => {
  it('encodes into the last stage’s width and grid, pooling the mean as classToken, padding odd and small grids', async () => {
    const swin = createSwin(tiny);
    expect(swin.embedDim).toBe(16); // 8 * 2^(stages - 1)
    for (const [height, width, grid] of [
      [16, 16, [4, 4]],
      [12, 12, [3, 3]], // a 6x6 patch grid: padded to the window, merged to 3x3
      [16, 8, [4, 2]],
      [2, 2, [1, 1]],
    ] as const) {
      expect(swin.tokenGrid(height, width)).toEqual(grid);
      const x = images(2, height, width);
      const { classToken, patchTokens } = swin.encode(x);
      expect(classToken.shape).toEqual([2, 16]);
      expect(patchTokens.shape).toEqual([2, grid[0] * grid[1], 16]);
      expect(await maxAbs(tf.sub(classToken, tf.mean(patchTokens, 1)))).toBeLessThan(1e-6);
      tf.dispose([x, classToken, patchTokens]);
    }
    swin.dispose();
  });

  it('fixes each stage’s window and shift at the configured size, as the official blocks', () => {
    // Swin-T at 224: a 56x56 patch grid, stages 56, 28, 14, 7; the last stage's window covers it: no shift
    const t = planSwinStages({ imageSize: [224, 224], patchSize: 4, windowSize: 7, ...SWIN_PRESETS.tiny });
    expect(t.map((s) => [s.dim, s.resolution[0], s.windowSize, s.shift])).toEqual([
      [96, 56, 7, 3],
      [192, 28, 7, 3],
      [384, 14, 7, 3],
      [768, 7, 7, 0],
    ]);
    // 32 px: stages 8, 4, 2, 1: the window shrinks to the stage from stage 1 on
    const small = planSwinStages({ imageSize: [32, 32], patchSize: 4, windowSize: 7, embedDim: 8, depths: [1, 1, 1, 1], headCounts: [1, 1, 1, 1] });
    expect(small.map((s) => [s.windowSize, s.shift])).toEqual([
      [7, 3],
      [4, 0],
      [2, 0],
      [1, 0],
    ]);
  });

  it('has the Swin-T/S/B presets of the paper with window 7', () => {
    expect(SWIN_PRESETS.tiny).toEqual({ embedDim: 96, depths: [2, 2, 6, 2], headCounts: [3, 6, 12, 24] });
    expect(SWIN_PRESETS.small).toEqual({ embedDim: 96, depths: [2, 2, 18, 2], headCounts: [3, 6, 12, 24] });
    expect(SWIN_PRESETS.base).toEqual({ embedDim: 128, depths: [2, 2, 18, 2], headCounts: [4, 8, 16, 32] });
    // the preset's depths and heads with a narrow width, to keep the test small
    const swin = createSwin({ preset: 'base', imageSize: 32, embedDim: 8 });
    expect(swin.config).toMatchObject({ depths: [2, 2, 18, 2], headCounts: [4, 8, 16, 32], windowSize: 7, patchSize: 4, inChannels: 3 });
    expect(swin.layerCount).toBe(2 + 2 + 18 + 2 + 2);
    swin.dispose();
    expect(createSwin({ imageSize: 32, embedDim: 6, depths: [1, 1, 1, 1] }).config.headCounts).toEqual(SWIN_PRESETS.tiny.headCounts);
  });

  it('replaces the patches under a mask token (given at the last stage’s grid) by masked_embed', async () => {
    const swin = createSwin(tiny);
    expect(swin.maskGrid(16, 16)).toEqual([4, 4]);
    // mask token (0, 0) of the 4x4 grid covers the top-left 2x2 patches, i.e. 4x4 pixels
    const a = images(1, 16, 16, 3, 1);
    const b = tf.tidy(() => tf.add(a, tf.pad(tf.ones([1, 4, 4, 3]), [[0, 0], [0, 12], [0, 12], [0, 0]]))) as tf.Tensor4D;
    const tokenMask = tf.tensor2d([[1, ...new Array(15).fill(0)]]);
    const masked = [swin.encode(a, { tokenMask }), swin.encode(b, { tokenMask })];
    expect(await maxAbs(tf.sub(masked[0]!.patchTokens, masked[1]!.patchTokens))).toBeLessThan(1e-6);
    const plain = [swin.encode(a), swin.encode(b)];
    expect(await maxAbs(tf.sub(plain[0]!.patchTokens, plain[1]!.patchTokens))).toBeGreaterThan(1e-3);
    expect(await maxAbs(tf.sub(masked[0]!.patchTokens, plain[0]!.patchTokens))).toBeGreaterThan(1e-3);
    tf.dispose([a, b, tokenMask, ...[...masked, ...plain].flatMap((f) => [f.classToken, f.patchTokens])]);
    swin.dispose();
  });

  it('refuses what it cannot encode with SslErrors that say how to fix it', () => {
    const swin = createSwin(tiny);
    const x = images(2, 16, 16);
    expect(() => swin.encode(x, { keepIndices: tf.zeros([2, 4], 'int32') as tf.Tensor2D })).toThrow(expect.objectContaining({ code: 'NOT_SUPPORTED', message: expect.stringMatching(/Use a ViT for MAE/) }));
    // a mask at the patch grid instead of the last stage's grid
    expect(() => swin.encode(x, { tokenMask: tf.zeros([2, 64]) as tf.Tensor2D })).toThrow(/expected shape \[2, 16\].*last stage's 4x4 grid \(swin\.maskGrid\(16, 16\)\)/);
    expect(() => swin.encode(images(1, 15, 16))).toThrow(/height: expected a positive multiple of the Swin's patchSize \(2\), got 15/);
    expect(() => swin.encode(tf.zeros([2, 3, 16, 16]) as tf.Tensor4D)).toThrow(/NCHW/);
    // a 5x5 patch grid merges to 3x3: a mask token would not cover whole patches
    expect(() => swin.maskGrid(10, 10)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/5x5 patch grid is a multiple of the last stage's 3x3 grid/) }));
    expect(() => swin.checkInputSize(16, 7, 'augmentation.localSize')).toThrow(/augmentation\.localSize width/);
    const noToken = createSwin({ ...tiny, maskToken: false });
    expect(() => noToken.encode(x, { tokenMask: tf.zeros([2, 16]) as tf.Tensor2D })).toThrow(/maskToken: false/);
    noToken.dispose();
    swin.dispose();
    expect(() => swin.encode(x)).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
  });

  it('refuses sizes the official model cannot build, before allocating anything', () => {
    expect(() => createSwin({ ...tiny, imageSize: 28, patchSize: 4, depths: [2, 2, 2, 2], headCounts: [1, 1, 1, 1] })).toThrow(
      /28x28 pixels give a 7x7 patch grid .* at least 32/,
    );
    expect(() => createSwin({ ...tiny, headCounts: [2] })).toThrow(/one head count per stage \(2, as depths\)/);
    expect(() => createSwin({ ...tiny, headCounts: [3, 4] })).toThrow(/headCounts\[0\]\): expected a divisor of stage 0's width 8/);
    expect(() => createSwin({ ...tiny, imageSize: 15 })).toThrow(/imageSize\) height: expected a multiple of patchSize \(2\), got 15/);
    expect(() => createSwin({ ...tiny, preset: 'huge' as never })).toThrow(/one of tiny, small, base/);
    expect(() => createSwin({ ...tiny, depths: [] })).toThrow(SslError);
  });

  it('is seeded and has the official names, with computed buffers not trainable', async () => {
    const a = await exportStateDict(createSwin({ ...tiny, seed: 1 }));
    const b = await exportStateDict(createSwin({ ...tiny, seed: 1 }));
    const c = await exportStateDict(createSwin({ ...tiny, seed: 2 }));
    const name = 'layers.1.blocks.0.attn.relative_position_bias_table';
    expect(a.get(name)!.data).toEqual(b.get(name)!.data);
    expect(a.get(name)!.data).not.toEqual(c.get(name)!.data);
    const swin = createSwin(tiny);
    const buffers = swin.parameters().filter((p) => !p.trainable).map((p) => p.name);
    expect(buffers).toEqual(['layers.0.blocks.0.attn.relative_position_index', 'layers.0.blocks.1.attn.relative_position_index', 'layers.1.blocks.0.attn.relative_position_index', 'layers.1.blocks.1.attn.relative_position_index']);
    // computed from the window size: an EMA teacher does not average them
    expect(swin.parameters().filter((p) => p.buffer === 'computed').map((p) => p.name)).toEqual(buffers);
    expect(swin.parameters()[0]!.name).toBe('patch_embed.proj.weight');
    expect(swin.parameters().at(-1)!.name).toBe('masked_embed');
    swin.dispose();
  });
});

describe('the Swin Transformer’s own rules (Backbone contract)', () => {
  it('numbers its layers through the stages (SimMIM’s get_swin_layer_id), heads last', () => {
    const swin: Backbone = createSwin({ ...tiny, depths: [2, 3], headCounts: [2, 4] });
    expect(swin.layerCount).toBe(2 + 3 + 2);
    expect(swin.layerIndex('patch_embed.norm.weight')).toBe(0);
    expect(swin.layerIndex('backbone.masked_embed')).toBe(0);
    expect(swin.layerIndex('layers.0.blocks.0.norm1.weight')).toBe(1);
    expect(swin.layerIndex('layers.0.blocks.1.attn.relative_position_bias_table')).toBe(2);
    expect(swin.layerIndex('layers.0.downsample.reduction.weight')).toBe(2);
    expect(swin.layerIndex('backbone.layers.1.blocks.2.mlp.fc2.bias')).toBe(5);
    expect(swin.layerIndex('norm.weight')).toBe(6);
    expect(swin.layerIndex('head.last_layer.weight_v')).toBe(6);
    for (const p of swin.parameters()) expect(swin.layerIndex(p.name)).toBeGreaterThanOrEqual(0);
    swin.dispose();
  });

  it('lists its relative position bias tables as timm’s no_weight_decay, and is not a ViT', () => {
    const swin = createSwin(tiny);
    expect(swin.arch).toBe('swin');
    expect(swin.acceptsKeepIndices).toBe(false);
    expect([...swin.noWeightDecay()]).toEqual(swin.parameters().filter((p) => p.name.endsWith('relative_position_bias_table')).map((p) => p.name));
    expect(swin.noWeightDecay().size).toBe(4);
    swin.dispose();
  });

  it('names its parameters and architecture as timm does', () => {
    const swin = createSwin({ ...tiny, inChannels: 1 });
    expect(swin.timmName('layers.0.downsample.reduction.weight')).toBe('layers.1.downsample.reduction.weight');
    expect(swin.timmName('layers.1.blocks.0.attn.qkv.weight')).toBe('layers.1.blocks.0.attn.qkv.weight');
    expect(swin.timmName('layers.0.blocks.0.attn.relative_position_index')).toBeUndefined();
    expect(swin.timmName('masked_embed')).toBeUndefined();
    expect(swin.timm).toEqual({
      model: undefined,
      kwargs: { img_size: 16, patch_size: 2, in_chans: 1, embed_dim: 8, depths: [2, 2], num_heads: [2, 4], window_size: 4, mlp_ratio: 4, qkv_bias: true, num_classes: 0 },
    });
    swin.dispose();
    const sizes = { imageSize: [224, 224], patchSize: 4, inChannels: 3, windowSize: 7, mlpRatio: 4, qkvBias: true } as const;
    expect(swinTimmModel({ ...sizes, ...SWIN_PRESETS.tiny })).toBe('swin_tiny_patch4_window7_224');
    expect(swinTimmModel({ ...sizes, ...SWIN_PRESETS.small })).toBe('swin_small_patch4_window7_224');
    expect(swinTimmModel({ ...sizes, ...SWIN_PRESETS.base, windowSize: 12 })).toBe('swin_base_patch4_window12_384');
    expect(swinTimmModel({ ...sizes, ...SWIN_PRESETS.tiny, windowSize: 12 })).toBeUndefined();
    expect(swinTimmModel({ ...sizes, ...SWIN_PRESETS.tiny, patchSize: 2 })).toBeUndefined();
  });
});
