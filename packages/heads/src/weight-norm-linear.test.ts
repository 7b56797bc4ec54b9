import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, exportStateDict, loadStateDict, stateDictFromRecords } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { createWeightNormLinear } from './weight-norm-linear.js';

function oneUnit() {
  // one output unit: v = [3, 4] (||v|| = 5), g = 2, so W = 2 * [3, 4] / 5 = [1.2, 1.6]
  const layer = createWeightNormLinear({ prefix: 'last_layer', inDim: 2, outDim: 1, rng: createRng(0) });
  loadStateDict(
    layer.parameters(),
    stateDictFromRecords({
      'last_layer.weight_g': { shape: [1, 1], data: [2] },
      'last_layer.weight_v': { shape: [1, 2], data: [3, 4] },
    }),
  );
  return layer;
}

describe('createWeightNormLinear', () => {
  it('rescales each direction to its gain: y = g (x . v) / ||v||', () => {
    const layer = oneUnit();
    const w = layer.weight();
    expectClose(w, [1.2, 1.6], { rtol: 1e-6 });
    const y = layer.apply(tf.tensor2d([[1, 1], [1, 0]]));
    // [1, 1] . [1.2, 1.6] = 2.8; [1, 0] . [1.2, 1.6] = 1.2
    expectClose(y, [2.8, 1.2], { rtol: 1e-6 });
    tf.dispose([w, y]);
    layer.parameters().forEach((p) => p.variable.dispose());
  });

  it('is differentiable with respect to g and v (hand-derived gradients)', () => {
    const layer = oneUnit();
    const x = tf.tensor2d([[1, 1]]);
    const { grads } = tf.variableGrads(() => tf.sum(layer.apply(x)) as tf.Scalar, [layer.gain, layer.direction]);
    // dy/dg = x.v / ||v|| = 7 / 5 = 1.4
    expectClose(grads[layer.gain.name]!, [1.4], { rtol: 1e-6 });
    // dy/dv = g (x / ||v|| - (x.v) v / ||v||^3) = 2 ([0.2, 0.2] - 7 [3, 4] / 125) = [0.064, -0.048]
    expectClose(grads[layer.direction.name]!, [0.064, -0.048], { rtol: 1e-5, atol: 1e-7 });
    tf.dispose([x, ...Object.values(grads)]);
    layer.parameters().forEach((p) => p.variable.dispose());
  });

  it('keeps PyTorch layouts ([out, 1] gain, [out, in] direction) and a fixed gain untrainable', async () => {
    const layer = createWeightNormLinear({ prefix: 'l', inDim: 3, outDim: 5, fixedGain: true, rng: createRng(1) });
    const exported = await exportStateDict(layer.parameters());
    expect(exported.get('l.weight_g')!.shape).toEqual([5, 1]);
    expect(Array.from(exported.get('l.weight_g')!.data)).toEqual([1, 1, 1, 1, 1]);
    expect(exported.get('l.weight_v')!.shape).toEqual([5, 3]);
    // PyTorch's default Linear init: uniform within +-1/sqrt(in)
    expect(Math.max(...Array.from(exported.get('l.weight_v')!.data, Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(3));
    expect(layer.parameters().map((p) => [p.name, p.trainable])).toEqual([
      ['l.weight_g', false],
      ['l.weight_v', true],
    ]);
    expect(layer.gain.trainable).toBe(false);
    layer.parameters().forEach((p) => p.variable.dispose());
  });

  it('leaks no tensor', async () => {
    const layer = oneUnit();
    const x = tf.tensor2d([[1, 2]]);
    await expectNoLeaks(() => layer.apply(x), 'apply');
    await expectNoLeaks(() => layer.weight(), 'weight');
    x.dispose();
    layer.parameters().forEach((p) => p.variable.dispose());
  });
});
