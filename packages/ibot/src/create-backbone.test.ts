import { describe, expect, it } from 'vitest';
import { backboneConfigSchema, vitBackboneConfigSchema } from './backbone-config.js';
import { createBackbone, createMethodBackbone } from './create-backbone.js';

describe('createMethodBackbone', () => {
  it('builds the configured ViT', () => {
    const vit = createMethodBackbone(vitBackboneConfigSchema.parse({ imageSize: 16, embedDim: 16, depth: 1, headCount: 2 }), { seed: 0, maskToken: false, dropPathRate: 0 });
    expect([vit.arch, vit.embedDim, vit.patchSize, vit.inChannels, vit.config.depth, vit.config.maskToken]).toEqual(['vit', 16, 4, 1, 1, false]);
    vit.dispose();
  });

  it('reads a section without arch (every config of the last release) as a ViT', () => {
    const section = backboneConfigSchema.parse({ imageSize: 16, embedDim: 16, depth: 1, headCount: 2 });
    expect(section.arch).toBe('vit');
    const vit = createMethodBackbone(section, { seed: 0, maskToken: true, dropPathRate: 0 });
    expect(vit.arch).toBe('vit');
    expect(vit.maskGrid(16, 16)).toEqual([4, 4]);
    vit.dispose();
  });

  it("builds a Swin Transformer from { arch: 'swin' } with the method's mask token and seed", () => {
    const section = backboneConfigSchema.parse({ arch: 'swin', imageSize: 28, patchSize: 2, embedDim: 16, depths: [1, 1], headCounts: [2, 4], windowSize: 7 });
    const swin = createMethodBackbone(section, { seed: 3, maskToken: true, dropPathRate: 0.1 });
    expect([swin.arch, swin.embedDim, swin.inChannels]).toEqual(['swin', 32, 1]);
    expect(swin.maskGrid(28, 28)).toEqual([7, 7]);
    expect(swin.parameters().some((p) => p.name === 'masked_embed')).toBe(true);
    swin.dispose();
  });

  it('keeps createBackbone as a deprecated alias', () => {
    expect(createBackbone).toBe(createMethodBackbone);
  });
});
