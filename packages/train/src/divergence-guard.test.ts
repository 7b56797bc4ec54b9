import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng, type Parameter } from '@selfsup/core';
import { createLossHistory, divergenceSettings, findWeightProblem } from './divergence-guard.js';

function parameter(name: string, values: number[]): Parameter {
  const initial = tf.tensor1d(values);
  const variable = tf.variable(initial);
  initial.dispose();
  return { name, variable, trainable: true };
}

/**
 * A run's losses checked as `train` checks them: a checkpoint every `every` steps, verified by the
 * next step's loss. Returns the first jump found.
 */
function replay(losses: readonly number[], every: number, factor = 100) {
  const history = createLossHistory(factor);
  let pending = false;
  for (const [i, loss] of losses.entries()) {
    if (pending) {
      const jump = history.jump(loss);
      if (jump) return { iteration: i, ...jump };
    }
    history.record(loss);
    if (pending || i === 0) history.accept();
    pending = (i + 1) % every === 0;
  }
  return undefined;
}

describe('createLossHistory', () => {
  it('compares a loss with the median magnitude of the accepted losses', () => {
    const history = createLossHistory(100);
    expect(history.jump(1e9)).toBeUndefined(); // nothing accepted yet
    for (const loss of [1, 2, 3, 4]) history.record(loss);
    expect(history.jump(1e9)).toBeUndefined(); // recorded, not accepted
    history.accept();
    // median of [1, 2, 3, 4] = (2 + 3) / 2 = 2.5; 100 x 2.5 = 250
    expect(history.jump(250)).toBeUndefined();
    expect(history.jump(300)).toEqual({ loss: 300, reference: 2.5, ratio: 120 });
    expect(history.jump(-300)).toEqual({ loss: -300, reference: 2.5, ratio: 120 });
    expect(history.jump(NaN)).toBeUndefined(); // non-finite losses are trainStep's NON_FINITE_LOSS
  });

  it('never fires on runs whose losses start high and fall, with noise, or hover near a negative value', () => {
    const rng = createRng(3);
    const steps = 2000;
    // DINO/iBOT: ~ln(65536) = 11 falling to ~2.5, +-20% noise per step
    const dino = Array.from({ length: steps }, (_, i) => (2.5 + 8.6 * Math.exp(-i / 400)) * rng.uniform(0.8, 1.2));
    // MAE: ~1 falling to 0.15, +-30% noise
    const mae = Array.from({ length: steps }, (_, i) => (0.15 + 0.85 * Math.exp(-i / 200)) * rng.uniform(0.7, 1.3));
    // a negative cosine loss from -0.1 to -0.9
    const cosine = Array.from({ length: steps }, (_, i) => -0.9 + 0.8 * Math.exp(-i / 300) + rng.uniform(-0.05, 0.05));
    for (const losses of [dino, mae, cosine]) {
      for (const every of [1, 7, 500]) expect(replay(losses, every)).toBeUndefined();
    }
  });

  it('fires at the first checkpoint whose loss jumped by orders of magnitude', () => {
    // 0.5, 0.45, 0.4, ... then 8e3 from iteration 12 on (a learning rate far too high)
    const losses = Array.from({ length: 20 }, (_, i) => (i < 12 ? 0.5 - 0.01 * i : 8e3));
    // checkpoints after steps 5 and 10 pass; after 15, iteration 15's loss measures its weights
    expect(replay(losses, 5)).toMatchObject({ iteration: 15, loss: 8e3 });
    // reference: the losses accepted up to the checkpoint of step 10, iterations 0..10; median 0.45
    expect(replay(losses, 5)!.reference).toBeCloseTo(0.45, 12);
    // a spike of 50x is within a factor of 100, and not within one of 10
    const spike = losses.map((loss, i) => (i >= 12 ? 25 : loss));
    expect(replay(spike, 5)).toBeUndefined();
    expect(replay(spike, 5, 10)).toMatchObject({ iteration: 15, loss: 25 });
  });

  it('ignores a reference of zero', () => {
    const history = createLossHistory(100);
    history.record(0);
    history.accept();
    expect(history.jump(5)).toBeUndefined();
  });
});

describe('findWeightProblem', () => {
  it('finds a non-finite weight, or else the largest one over the limit, with one read and no leak', async () => {
    const small = parameter('blocks.0.norm1.weight', [1, -2, 3]);
    const large = parameter('head.weight', [0.5, -7e8, 2]);
    const larger = parameter('decoder.weight', [6e28, 0]);
    const empty = parameter('empty', []);
    const before = tf.memory().numTensors;
    expect(await findWeightProblem([small, empty], 1e6)).toBeUndefined();
    expect(await findWeightProblem([small, large], 1e6)).toEqual({ parameter: 'head.weight', value: 7e8 });
    expect(await findWeightProblem([small, large, larger], 1e6)).toEqual({ parameter: 'decoder.weight', value: Math.fround(6e28) });
    expect(await findWeightProblem([small], 2.5)).toEqual({ parameter: 'blocks.0.norm1.weight', value: 3 });
    for (const bad of [NaN, Infinity, -Infinity]) {
      const broken = parameter('pos_embed', [0, bad, 1]);
      const problem = await findWeightProblem([small, large, broken], 1e6);
      expect(problem?.parameter).toBe('pos_embed');
      expect(problem?.value).toBeNaN();
      broken.variable.dispose();
    }
    expect(await findWeightProblem([], 1)).toBeUndefined();
    expect(tf.memory().numTensors).toBe(before);
    for (const p of [small, large, larger, empty]) p.variable.dispose();
  });
});

describe('divergenceSettings', () => {
  it('applies the defaults, turns off with false and rejects bad values', () => {
    expect(divergenceSettings(undefined)).toEqual({ maxAbsWeight: 1e6, lossJumpFactor: 100 });
    expect(divergenceSettings({ lossJumpFactor: 1000 })).toEqual({ maxAbsWeight: 1e6, lossJumpFactor: 1000 });
    expect(divergenceSettings(false)).toBeUndefined();
    expect(() => divergenceSettings({ lossJumpFactor: 0.5 })).toThrow(/train\(options\.divergence\.lossJumpFactor\): expected a number >= 1, got 0\.5/);
    expect(() => divergenceSettings({ maxAbsWeight: -1 })).toThrow(/maxAbsWeight/);
    expect(() => divergenceSettings(true as never)).toThrow(/train\(options\.divergence\): expected an object, or false/);
  });
});
