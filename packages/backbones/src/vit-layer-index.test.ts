import { describe, expect, it } from 'vitest';
import { vitLayerIndex } from './vit-layer-index.js';

describe('vitLayerIndex', () => {
  it('numbers embeddings 0, block i as i + 1 and everything else depth + 1, ignoring prefixes', () => {
    expect(vitLayerIndex('cls_token', 12)).toBe(0);
    expect(vitLayerIndex('backbone.pos_embed', 12)).toBe(0);
    expect(vitLayerIndex('backbone.masked_embed', 12)).toBe(0);
    expect(vitLayerIndex('patch_embed.proj.weight', 12)).toBe(0);
    expect(vitLayerIndex('blocks.0.attn.qkv.weight', 12)).toBe(1);
    expect(vitLayerIndex('backbone.blocks.11.mlp.fc1.bias', 12)).toBe(12);
    expect(vitLayerIndex('norm.weight', 12)).toBe(13);
    expect(vitLayerIndex('head.mlp.0.weight', 12)).toBe(13);
  });
});
