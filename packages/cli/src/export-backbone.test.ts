import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { loadStateDict, readSafetensors, stateDictFromSafetensors } from '@selfsup/core';
import { createSwin, createVit } from '@selfsup/backbones';
import { exportBackbone, timmModelName } from './export-backbone.js';
import { vitShapeOf } from './run-parts.js';

describe('exportBackbone', () => {
  it('writes timm names without the mask token; the file loads strictly into a ViT without one, giving the same features', async () => {
    const trained = createVit({ imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 16, depth: 2, headCount: 2, maskToken: true, seed: 3 });
    const { bytes, metadata } = await exportBackbone(trained);
    const file = readSafetensors(bytes);
    expect([...file.tensors.keys()]).not.toContain('masked_embed');
    expect([...file.tensors.keys()]).toContain('blocks.1.attn.qkv.weight');
    expect(file.tensors.get('patch_embed.proj.weight')!.shape).toEqual([16, 1, 4, 4]); // PyTorch [out, in, kh, kw]
    expect([...file.tensors.values()].every((t) => t.dtype === 'F32')).toBe(true);
    expect(metadata).toMatchObject({ format: 'pt', img_size: '16x16', patch_size: '4', embed_dim: '16', depth: '2', num_heads: '2', in_chans: '1' });
    expect(JSON.parse(metadata.timm_kwargs!)).toMatchObject({ img_size: 16, patch_size: 4, in_chans: 1, embed_dim: 16, depth: 2, num_heads: 2, num_classes: 0 });
    expect(metadata.timm_model).toBeUndefined(); // no registered timm model has dim 16

    const fresh = createVit({ imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 16, depth: 2, headCount: 2, maskToken: false, seed: 9 });
    loadStateDict(fresh, stateDictFromSafetensors(bytes)); // strict
    const images = tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const a = trained.encode(images);
    const b = fresh.encode(images);
    expect((await tf.max(tf.abs(tf.sub(a.classToken, b.classToken))).data())[0]).toBe(0);
    tf.dispose([images, a.classToken, a.patchTokens, b.classToken, b.patchTokens]);
    trained.dispose();
    fresh.dispose();
  });

  it('keeps the mask token on request, and names layer scale the timm or the DINO way', async () => {
    const vit = createVit({ imageSize: 8, patchSize: 4, inChannels: 1, embedDim: 8, depth: 1, headCount: 2, layerScaleInit: 0.1 });
    const timm = readSafetensors((await exportBackbone(vit, { keepMaskToken: true })).bytes);
    expect([...timm.tensors.keys()]).toEqual(expect.arrayContaining(['masked_embed', 'blocks.0.ls1.gamma', 'blocks.0.ls2.gamma']));
    const dino = await exportBackbone(vit, { layerScaleNames: 'dino' });
    expect([...dino.stateDict.keys()]).toEqual(expect.arrayContaining(['blocks.0.gamma_1', 'blocks.0.gamma_2']));
    const copy = createVit({ imageSize: 8, patchSize: 4, inChannels: 1, embedDim: 8, depth: 1, headCount: 2, layerScaleInit: 0.1, maskToken: false });
    loadStateDict(copy, dino.stateDict);
    vit.dispose();
    copy.dispose();
  });
});

describe('exportBackbone of a Swin Transformer', () => {
  it("writes timm's names from the contract (no computed relative_position_index, no mask token) and Swin's metadata", async () => {
    const swin = createSwin({ imageSize: 28, patchSize: 2, inChannels: 1, embedDim: 8, depths: [1, 1], headCounts: [2, 2], windowSize: 7, seed: 1 });
    const { stateDict, metadata } = await exportBackbone(swin);
    const names = [...stateDict.keys()];
    expect(names.some((n) => n.endsWith('relative_position_index'))).toBe(false);
    expect(names).not.toContain('masked_embed');
    expect(names).toEqual(swin.parameters().map((p) => swin.timmName(p.name)).filter((n) => n !== undefined));
    expect(metadata).toMatchObject({ architecture: 'swin', img_size: '28x28', patch_size: '2', in_chans: '1', embed_dim: '8', num_features: '16', depths: '1,1', num_heads: '2,2', window_size: '7' });
    expect(JSON.parse(metadata.timm_kwargs!)).toEqual(swin.timm.kwargs);
    expect(metadata.timm_model).toBeUndefined();
    swin.dispose();
  });
});

describe('timmModelName', () => {
  it('names the registered timm ViTs, and nothing else', () => {
    const shape = (options: Parameters<typeof createVit>[0]) => {
      const vit = createVit({ ...options, depth: 0 }); // depth 0: cheap; the name reads the shape below
      const s = vitShapeOf(vit)!;
      vit.dispose();
      return s;
    };
    const small = { ...shape({ preset: 'small', imageSize: 32, patchSize: 16 }), depth: 12 };
    expect(timmModelName(small)).toBe('vit_small_patch16_224'); // the image size is a keyword of timm
    expect(timmModelName({ ...small, imageSize: [384, 384] })).toBe('vit_small_patch16_384');
    expect(timmModelName({ ...small, patchSize: 8 })).toBe('vit_small_patch8_224');
    expect(timmModelName({ ...small, patchSize: 4 })).toBeUndefined();
    expect(timmModelName({ ...small, depth: 4 })).toBeUndefined();
    expect(timmModelName({ ...small, qkvBias: false })).toBeUndefined();
    expect(timmModelName({ ...small, embedDim: 192, headCount: 3 })).toBe('vit_tiny_patch16_224');
  });
});
