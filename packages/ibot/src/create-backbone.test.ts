import { describe, expect, it } from 'vitest';
import { backboneConfigSchema } from './backbone-config.js';
import { createBackbone } from './create-backbone.js';

describe('createBackbone', () => {
  it('builds the configured ViT', () => {
    const vit = createBackbone(backboneConfigSchema.parse({ imageSize: 16, embedDim: 16, depth: 1, headCount: 2 }), { seed: 0, maskToken: false, dropPathRate: 0 });
    expect([vit.embedDim, vit.patchSize, vit.inChannels, vit.config.depth, vit.config.maskToken]).toEqual([16, 4, 1, 1, false]);
    vit.dispose();
  });
});
