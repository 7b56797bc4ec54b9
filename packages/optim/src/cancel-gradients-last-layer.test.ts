import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { cancelGradientsLastLayer } from './cancel-gradients-last-layer.js';

describe('cancelGradientsLastLayer', () => {
  const grads = {
    'head.mlp.0.weight': tf.tensor([1]),
    'head.last_layer.weight_v': tf.tensor([2]),
    'head.last_layer2.weight_g': tf.tensor([3]),
  };
  afterAll(() => tf.dispose(Object.values(grads)));

  it('drops last-layer gradients while epoch < freezeEpochs, as iBOT sets p.grad = None', () => {
    const before = tf.memory().numTensors;
    const kept = cancelGradientsLastLayer(grads, 0, 1);
    expect([...kept.keys()]).toEqual(['head.mlp.0.weight']);
    expect(kept.get('head.mlp.0.weight')).toBe(grads['head.mlp.0.weight']);
    expect(tf.memory().numTensors).toBe(before); // nothing created, nothing disposed
    expect(grads['head.last_layer.weight_v'].isDisposed).toBe(false);
  });

  it('keeps everything from epoch freezeEpochs on, and takes a custom matcher', () => {
    expect([...cancelGradientsLastLayer(grads, 1, 1).keys()]).toHaveLength(3);
    expect([...cancelGradientsLastLayer(grads, 2, 3, (name) => name.endsWith('weight_g')).keys()]).toEqual([
      'head.mlp.0.weight',
      'head.last_layer.weight_v',
    ]);
  });

  it('checks epochs', () => {
    expect(() => cancelGradientsLastLayer(grads, -1, 1)).toThrow(/epoch/);
  });
});
