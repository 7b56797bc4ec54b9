import { describe, expect, it } from 'vitest';
import { createSwin, createVit, vitLayerIndex as backbonesVitLayerIndex } from '@selfsup/backbones';
import { combineModules } from '@selfsup/core';
import { createParameterGroups, vitLayerIndex } from './parameter-groups.js';

function scales(groups: ReturnType<typeof createParameterGroups>): Map<string, number> {
  const byName = new Map<string, number>();
  for (const g of groups) for (const p of g.parameters) byName.set(p.name, g.learningRateScale ?? 1);
  return byName;
}

describe('createParameterGroups with a backbone’s own layers (layerIndex, layerCount)', () => {
  it('gives a ViT the same groups as the deprecated { depth } form', () => {
    const vit = createVit({ imageSize: 8, patchSize: 4, embedDim: 8, depth: 3, headCount: 2 });
    const byBackbone = createParameterGroups(vit.parameters(), { layerDecay: { rate: 0.5, layerIndex: vit.layerIndex, layerCount: vit.layerCount } });
    const byDepth = createParameterGroups(vit.parameters(), { layerDecay: { rate: 0.5, depth: 3 } });
    expect(byBackbone.map((g) => [g.name, g.learningRateScale, g.parameters.map((p) => p.name)])).toEqual(
      byDepth.map((g) => [g.name, g.learningRateScale, g.parameters.map((p) => p.name)]),
    );
    // layerCount 5 (depth + 2), rate 0.5: embeddings 0.5^4, blocks.2 0.5^1, the final norm 1
    const scale = scales(byBackbone);
    expect(scale.get('pos_embed')).toBe(0.0625);
    expect(scale.get('blocks.2.mlp.fc1.weight')).toBe(0.5);
    expect(scale.get('norm.weight')).toBe(1);
    vit.dispose();
  });

  it('numbers a Swin’s blocks through its stages behind a prefix; other names are in the last layer', () => {
    const swin = createSwin({ imageSize: 8, patchSize: 2, embedDim: 8, depths: [2, 1], headCounts: [2, 2], windowSize: 2 });
    const network = combineModules({ backbone: swin });
    const groups = createParameterGroups(network.parameters(), { layerDecay: { rate: 0.5, layerIndex: swin.layerIndex, layerCount: swin.layerCount } });
    const scale = scales(groups);
    // layerCount = 2 + 1 blocks + 2 = 5: patch embedding 0.5^4, layers.0.blocks.1 (layer 2) 0.5^2,
    // its patch merging with it, layers.1.blocks.0 (layer 3) 0.5, the final norm 1
    expect(swin.layerCount).toBe(5);
    expect(scale.get('backbone.patch_embed.proj.weight')).toBe(0.0625);
    expect(scale.get('backbone.layers.0.blocks.1.attn.qkv.weight')).toBe(0.25);
    expect(scale.get('backbone.layers.0.downsample.reduction.weight')).toBe(0.25);
    expect(scale.get('backbone.layers.1.blocks.0.mlp.fc2.weight')).toBe(0.5);
    expect(scale.get('backbone.norm.weight')).toBe(1);
    expect(swin.layerIndex('head.mlp.0.weight')).toBe(swin.layerCount - 1);
    network.dispose();
  });

  it('refuses a mix of both forms, a missing layerIndex and a layer out of range', () => {
    const vit = createVit({ imageSize: 8, patchSize: 4, embedDim: 8, depth: 1, headCount: 2 });
    const parameters = vit.parameters();
    expect(() => createParameterGroups(parameters, { layerDecay: { rate: 0.5, layerIndex: vit.layerIndex, layerCount: vit.layerCount, depth: 1 } })).toThrow(
      /got layerIndex\/layerCount and depth\/layerOf/,
    );
    expect(() => createParameterGroups(parameters, { layerDecay: { rate: 0.5, layerCount: 3 } })).toThrow(/layerIndex: expected a function/);
    expect(() => createParameterGroups(parameters, { layerDecay: { rate: 0.5, layerIndex: vit.layerIndex, layerCount: 2 } })).toThrow(
      /layer of "norm.weight": expected an integer in \[0, 1\], got 2/,
    );
    vit.dispose();
  });

  it('keeps vitLayerIndex as a deprecated re-export of the ViT’s rule', () => {
    expect(vitLayerIndex).toBe(backbonesVitLayerIndex);
    expect(vitLayerIndex('backbone.blocks.3.attn.qkv.weight', 12)).toBe(4);
  });
});
