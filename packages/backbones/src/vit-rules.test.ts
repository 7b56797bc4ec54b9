import { describe, expect, it } from 'vitest';
import { SslError, type Backbone } from '@selfsup/core';
import { createVit } from './vit.js';
import { vitLayerIndex } from './vit-layer-index.js';
import { vitTimmDescription, vitTimmModel } from './vit-timm.js';

const tiny = { imageSize: 16, patchSize: 4, embedDim: 16, depth: 3, headCount: 2 } as const;

describe('the ViT’s own rules (Backbone contract)', () => {
  it('is a Backbone that takes keepIndices and puts tokens and masks on the patch grid', () => {
    const vit: Backbone = createVit(tiny);
    expect(vit.arch).toBe('vit');
    expect(vit.acceptsKeepIndices).toBe(true);
    expect(vit.tokenGrid(16, 16)).toEqual([4, 4]);
    expect(vit.tokenGrid(8, 12)).toEqual([2, 3]);
    expect(vit.maskGrid(24, 8)).toEqual([6, 2]);
    vit.dispose();
  });

  it('refuses a size that is not a multiple of the patch size, naming the argument and a fix', () => {
    const vit = createVit(tiny);
    expect(() => vit.checkInputSize(16, 16)).not.toThrow();
    expect(() => vit.checkInputSize(18, 16, 'augmentation.localSize')).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/augmentation\.localSize height: expected a positive multiple of the ViT's patchSize \(4\), got 18.*such as 20/),
      }),
    );
    expect(() => vit.tokenGrid(16, 2)).toThrow(SslError);
    expect(() => vit.maskGrid(0, 16)).toThrow(/height: expected a positive multiple/);
    vit.dispose();
  });

  it('numbers its layers as vitLayerIndex: every parameter within [0, layerCount - 1], heads last', () => {
    const vit = createVit(tiny);
    expect(vit.layerCount).toBe(tiny.depth + 2);
    for (const p of vit.parameters()) {
      expect(vit.layerIndex(p.name), p.name).toBe(vitLayerIndex(p.name, tiny.depth));
      expect(vit.layerIndex(`backbone.${p.name}`), p.name).toBe(vitLayerIndex(p.name, tiny.depth));
    }
    const { layerIndex } = vit; // a closure: usable unbound
    expect(layerIndex('blocks.2.attn.proj.weight')).toBe(3);
    expect(layerIndex('head.last_layer.weight_v')).toBe(vit.layerCount - 1);
    vit.dispose();
  });

  it('lists timm’s no_weight_decay names among its parameters', () => {
    const vit = createVit(tiny);
    expect([...vit.noWeightDecay()].sort()).toEqual(['cls_token', 'pos_embed']);
    const names = new Set(vit.parameters().map((p) => p.name));
    for (const name of vit.noWeightDecay()) expect(names.has(name)).toBe(true);
    vit.dispose();
  });

  it('names its parameters and architecture as timm does', () => {
    const vit = createVit({ ...tiny, layerScaleInit: 0.1, inChannels: 1 });
    expect(vit.timmName('blocks.0.gamma_1')).toBe('blocks.0.ls1.gamma');
    expect(vit.timmName('blocks.2.gamma_2')).toBe('blocks.2.ls2.gamma');
    expect(vit.timmName('blocks.0.attn.qkv.weight')).toBe('blocks.0.attn.qkv.weight');
    expect(vit.timmName('masked_embed')).toBeUndefined();
    expect(vit.timm).toEqual({
      model: undefined,
      kwargs: { img_size: 16, patch_size: 4, in_chans: 1, embed_dim: 16, depth: 3, num_heads: 2, mlp_ratio: 4, qkv_bias: true, init_values: 0.1, num_classes: 0 },
    });
    vit.dispose();
  });

  it('finds the registered timm model of the papers’ sizes, without building them', () => {
    const small = { imageSize: [224, 224], patchSize: 16, inChannels: 3, embedDim: 384, depth: 12, headCount: 6, mlpRatio: 4, qkvBias: true, layerNormEps: 1e-6, layerScaleInit: 0 } as const;
    expect(vitTimmModel(small)).toBe('vit_small_patch16_224');
    expect(vitTimmModel({ ...small, imageSize: [384, 384] })).toBe('vit_small_patch16_384');
    expect(vitTimmModel({ ...small, imageSize: [28, 28], inChannels: 1 })).toBe('vit_small_patch16_224');
    expect(vitTimmModel({ ...small, embedDim: 192, headCount: 3 })).toBe('vit_tiny_patch16_224');
    expect(vitTimmModel({ ...small, patchSize: 4 })).toBeUndefined();
    expect(vitTimmModel({ ...small, layerNormEps: 1e-5 })).toBeUndefined();
    expect(vitTimmDescription({ ...small, imageSize: [32, 48] }).kwargs.img_size).toEqual([32, 48]);
  });
});
