import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Parameter, TorchLayout } from '@selfsup/core';
import { createParameterGroups, isBiasOrOneDimensional, vitLayerIndex } from './parameter-groups.js';

const created: tf.Variable[] = [];
function parameter(name: string, shape: number[], options: { trainable?: boolean; torch?: TorchLayout } = {}): Parameter {
  const variable = tf.variable(tf.zeros(shape), options.trainable ?? true);
  created.push(variable);
  return { name, variable, trainable: options.trainable ?? true, ...(options.torch ? { torch: options.torch } : {}) };
}
afterEach(() => {
  for (const v of created.splice(0)) v.dispose();
});

function vitLike(): Parameter[] {
  return [
    parameter('backbone.cls_token', [1, 1, 4]),
    parameter('backbone.pos_embed', [1, 5, 4]),
    parameter('backbone.patch_embed.proj.weight', [2, 2, 3, 4]),
    parameter('backbone.patch_embed.proj.bias', [4]),
    parameter('backbone.blocks.0.norm1.weight', [4]),
    parameter('backbone.blocks.0.attn.qkv.weight', [4, 12]),
    parameter('backbone.blocks.1.mlp.fc2.bias', [4]),
    parameter('backbone.blocks.1.mlp.fc2.weight', [16, 4]),
    parameter('backbone.norm.weight', [4]),
    parameter('head.last_layer.weight_g', [1, 8]),
    parameter('head.last_layer.weight_v', [4, 8]),
    parameter('head.frozen_buffer', [4, 4], { trainable: false }),
  ];
}

describe('isBiasOrOneDimensional', () => {
  it('follows iBOT: names ending in .bias and 1-D tensors; the 3-D class token is decayed', () => {
    const [cls, pos, , bias, norm, qkv] = vitLike();
    expect(isBiasOrOneDimensional(cls!)).toBe(false);
    expect(isBiasOrOneDimensional(pos!)).toBe(false);
    expect(isBiasOrOneDimensional(bias!)).toBe(true);
    expect(isBiasOrOneDimensional(norm!)).toBe(true);
    expect(isBiasOrOneDimensional(qkv!)).toBe(false);
  });

  it('uses the PyTorch rank when the parameter declares its torch layout', () => {
    // stored as [out] here, [out, 1] in PyTorch (weight_g of a weight-normalised Linear): decayed in iBOT
    const weightG = parameter('head.last_layer.weight_g', [8], { torch: { shape: [8, 1], perm: [0, 1] } });
    expect(isBiasOrOneDimensional(weightG)).toBe(false);
  });
});

describe('createParameterGroups', () => {
  it('splits into decay then no_decay groups, leaving out non-trainable parameters', () => {
    const groups = createParameterGroups(vitLike());
    expect(groups.map((g) => [g.name, g.learningRateScale, g.weightDecayScale])).toEqual([
      ['decay', 1, 1],
      ['no_decay', 1, 0],
    ]);
    expect(groups[0]!.parameters.map((p) => p.name)).toEqual([
      'backbone.cls_token',
      'backbone.pos_embed',
      'backbone.patch_embed.proj.weight',
      'backbone.blocks.0.attn.qkv.weight',
      'backbone.blocks.1.mlp.fc2.weight',
      'head.last_layer.weight_g',
      'head.last_layer.weight_v',
    ]);
    expect(groups[1]!.parameters.map((p) => p.name)).toEqual([
      'backbone.patch_embed.proj.bias',
      'backbone.blocks.0.norm1.weight',
      'backbone.blocks.1.mlp.fc2.bias',
      'backbone.norm.weight',
    ]);
  });

  it('takes a custom exclusion rule (MAE fine-tuning also exempts pos_embed and cls_token)', () => {
    const groups = createParameterGroups(vitLike(), {
      weightDecayExclude: (p) => isBiasOrOneDimensional(p) || /(cls_token|pos_embed)$/.test(p.name),
    });
    expect(groups[1]!.parameters.map((p) => p.name)).toContain('backbone.cls_token');
    expect(groups[1]!.parameters.map((p) => p.name)).toContain('backbone.pos_embed');
  });

  it('scales learning rates layer by layer as MAE param_groups_lrd', () => {
    // depth 2, rate 0.5: layer l gets 0.5^(3 - l): embeddings (0) 0.125, blocks.0 (1) 0.25, blocks.1 (2) 0.5, rest (3) 1
    const groups = createParameterGroups(vitLike(), { layerDecay: { rate: 0.5, depth: 2 } });
    const summary = groups.map((g) => [g.name, g.learningRateScale, g.weightDecayScale, g.parameters.length]);
    expect(summary).toEqual([
      ['layer_0_decay', 0.125, 1, 3],
      ['layer_0_no_decay', 0.125, 0, 1],
      ['layer_1_no_decay', 0.25, 0, 1],
      ['layer_1_decay', 0.25, 1, 1],
      ['layer_2_no_decay', 0.5, 0, 1],
      ['layer_2_decay', 0.5, 1, 1],
      ['layer_3_no_decay', 1, 0, 1],
      ['layer_3_decay', 1, 1, 2],
    ]);
  });

  it('lists a variable shared under two names once, under its first name', () => {
    const last = parameter('head.last_layer.weight_v', [4, 8]);
    const shared: Parameter = { name: 'head.last_layer2.weight_v', variable: last.variable, trainable: true };
    const groups = createParameterGroups([last, shared]);
    expect(groups.flatMap((g) => g.parameters.map((p) => p.name))).toEqual(['head.last_layer.weight_v']);
  });

  it('rejects duplicate names and a layer index out of range', () => {
    expect(() => createParameterGroups([parameter('a.weight', [2, 2]), parameter('a.weight', [2, 2])])).toThrow(/unique parameter names/);
    expect(() =>
      createParameterGroups(vitLike(), { layerDecay: { rate: 0.5, depth: 2, layerOf: () => 7 } }),
    ).toThrow(/\[0, 3\]/);
  });
});

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
