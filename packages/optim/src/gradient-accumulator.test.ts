import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { createGradientAccumulator } from './gradient-accumulator.js';

describe('createGradientAccumulator', () => {
  it('sums and averages micro-batch gradients', () => {
    const accumulator = createGradientAccumulator();
    const g1 = { w: tf.tensor([1, 2]), b: tf.tensor([1]) };
    const g2 = { w: tf.tensor([3, -2]) }; // no gradient for b in this micro-batch
    accumulator.add(g1);
    accumulator.add(g2);
    expect(accumulator.count).toBe(2);
    expect(accumulator.names).toEqual(['w', 'b']);
    const sum = accumulator.sum();
    const mean = accumulator.mean();
    // w: [1 + 3, 2 - 2] = [4, 0], mean / 2 = [2, 0]; b: [1], mean [0.5] (absent counts as zero)
    expectClose(sum.get('w')!, [4, 0], { atol: 0, rtol: 0 });
    expectClose(mean.get('w')!, [2, 0], { atol: 0, rtol: 0 });
    expectClose(mean.get('b')!, [0.5], { atol: 0, rtol: 0 });
    tf.dispose([...sum.values(), ...mean.values(), ...Object.values(g1), ...Object.values(g2)]);
    accumulator.dispose();
  });

  it('starts afresh after reset, reusing its variables, and leaks nothing', async () => {
    const accumulator = createGradientAccumulator();
    const g = { w: tf.tensor([1, 2]) };
    accumulator.add(g);
    accumulator.reset();
    expect(accumulator.count).toBe(0);
    expect(() => accumulator.mean()).toThrow(/nothing was added/);
    await expectNoLeaks(() => accumulator.add(g), 'gradientAccumulator.add');
    await expectNoLeaks(() => accumulator.mean(), 'gradientAccumulator.mean');
    const mean = accumulator.mean();
    expectClose(mean.get('w')!, [1, 2], { atol: 0, rtol: 0 });
    tf.dispose([...mean.values()]);
    const before = tf.memory().numTensors;
    accumulator.dispose();
    expect(tf.memory().numTensors).toBe(before - 1);
    expect(() => accumulator.add(g)).toThrow(/disposed/);
    g.w.dispose();
  });

  it('rejects a gradient whose shape changed', () => {
    const accumulator = createGradientAccumulator();
    const a = tf.tensor([1, 2]);
    const b = tf.tensor([1, 2, 3]);
    accumulator.add({ w: a });
    expect(() => accumulator.add({ w: b })).toThrow(/w/);
    tf.dispose([a, b]);
    accumulator.dispose();
  });
});
