import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Parameter } from '@selfsup/core';
import { createScheduledAdamW } from './scheduled-adamw.js';

const settings = { learningRate: 1e-3, minLearningRate: 1e-6, warmupEpochs: 1, weightDecay: 0.04, weightDecayEnd: 0.4, betas: [0.9, 0.999] as const, eps: 1e-8 };

const created: tf.Variable[] = [];
function parameter(name: string, shape: number[]): Parameter {
  const variable = tf.variable(tf.zeros(shape));
  created.push(variable);
  return { name, variable, trainable: true };
}
afterEach(() => {
  for (const v of created.splice(0)) v.dispose();
});

describe('createScheduledAdamW', () => {
  it('the linear scaling rule, warm-up then cosine, cosine weight decay, groups', () => {
    const parameters = [parameter('head.weight', [2, 2]), parameter('head.bias', [2])];
    const optimizer = createScheduledAdamW(parameters, settings, { batchSize: 512, epochs: 2, iterationsPerEpoch: 2 });
    const info = [0, 1, 2, 3].map((i) => optimizer.step(new Map(), i));
    // base 1e-3 * 512 / 256 = 2e-3; warm-up linspace(0, 2e-3, 2); cosine over 2: 2e-3, (2e-3 + 1e-6) / 2
    [0, 2e-3, 2e-3, (2e-3 + 1e-6) / 2].forEach((v, i) => expect(info[i]!.learningRate).toBeCloseTo(v, 12));
    // 0.4 + 0.5 * (0.04 - 0.4) * (1 + cos(pi * i / 4)): 0.04, 0.092721, 0.22, 0.347279
    [0.04, 0.0927208, 0.22, 0.3472792].forEach((v, i) => expect(info[i]!.weightDecay).toBeCloseTo(v, 6));
    expect(optimizer.groups.map((g) => [g.name, g.parameters.map((p) => p.name)])).toEqual([
      ['decay', ['head.weight']],
      ['no_decay', ['head.bias']],
    ]);
    optimizer.dispose();
    const custom = createScheduledAdamW(parameters, settings, { batchSize: 256, epochs: 1, iterationsPerEpoch: 1 }, { weightDecayExclude: () => true });
    expect(custom.groups.find((g) => g.name === 'decay')?.parameters ?? []).toEqual([]);
    custom.dispose();
  });

  it('refuses missing settings and run lengths naming the key, not a TypeError or a NaN schedule', () => {
    const parameters = [parameter('w', [2])];
    const run = { batchSize: 256, epochs: 1, iterationsPerEpoch: 2 };
    expect(() => createScheduledAdamW(parameters, undefined as never, run)).toThrow(/createScheduledAdamW\(settings\): expected an options object/);
    expect(() => createScheduledAdamW(parameters, settings, undefined as never)).toThrow(/createScheduledAdamW\(run\): expected an options object/);
    const { minLearningRate: _, ...noMinimum } = settings;
    expect(() => createScheduledAdamW(parameters, noMinimum as never, run)).toThrow(/createScheduledAdamW\(settings\.minLearningRate\): expected .*got undefined/);
    expect(() => createScheduledAdamW(parameters, settings, { ...run, batchSize: undefined as never })).toThrow(/createScheduledAdamW\(run\.batchSize\): expected an integer/);
    expect(() => createScheduledAdamW(parameters, { ...settings, learningRate: Number.NaN }, run)).toThrow(/settings\.learningRate.*got NaN/);
  });

  it('caps the warm-up at the run length', () => {
    const optimizer = createScheduledAdamW([parameter('w', [2, 2])], { ...settings, warmupEpochs: 5 }, { batchSize: 256, epochs: 1, iterationsPerEpoch: 2 });
    // warm-up over the whole run (1 epoch, 2 iterations): linspace(0, 1e-3, 2)
    [0, 1e-3].forEach((v, i) => expect(optimizer.step(new Map(), i).learningRate).toBeCloseTo(v, 12));
    optimizer.dispose();
  });
});
