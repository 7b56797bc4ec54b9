import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { combineModules } from './combine-modules.js';
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

describe('combineModules', () => {
  it('prefixes parameter names with the part name and disposes each part once', () => {
    const backbone = part(['cls_token', 'norm.weight']);
    const head = part(['mlp.0.weight']);
    const student = combineModules({ backbone, head });
    expect(student.parameters().map((p) => p.name)).toEqual(['backbone.cls_token', 'backbone.norm.weight', 'head.mlp.0.weight']);
    expect(student.parts.head).toBe(head);
    student.dispose();
    expect([backbone.disposed, head.disposed]).toEqual([1, 1]);
  });
});
