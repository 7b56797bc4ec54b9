import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mergeModules } from './merge-modules.js';
import type { Module } from './module.js';

function part(names: string[]): Module & { disposed: number } {
  const vars = names.map(() => tf.variable(tf.zeros([1])));
  const m = {
    disposed: 0,
    parameters: () => names.map((name, i) => ({ name, variable: vars[i]!, trainable: true })),
    dispose: () => {
      m.disposed++;
      vars.forEach((v) => v.dispose());
    },
  };
  return m;
}

describe('mergeModules', () => {
  it('lists every part under its own name, in order, and disposes each part once', () => {
    const encoder = part(['cls_token', 'norm.weight']);
    const decoder = part(['decoder_embed.weight']);
    const merged = mergeModules(encoder, decoder);
    expect(merged.parameters().map((p) => p.name)).toEqual(['cls_token', 'norm.weight', 'decoder_embed.weight']);
    merged.dispose();
    expect([encoder.disposed, decoder.disposed]).toEqual([1, 1]);
  });

  it('refuses a parameter name that two modules share', () => {
    const a = part(['a.weight', 'a.bias']);
    const b = part(['a.weight']);
    expect(() => mergeModules(a, b)).toThrow(expect.objectContaining({ name: 'SslError', code: 'INVALID_ARGUMENT', message: expect.stringContaining('"a.weight" appears in two modules') }));
    a.dispose();
    b.dispose();
  });
});
