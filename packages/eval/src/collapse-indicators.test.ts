import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks } from '@selfsup/testing';
import { collapseIndicators, collapseIndicatorTensors } from './collapse-indicators.js';

const LOG2 = Math.log(2);

async function indicators(rows: number[][], temperature: number, center?: number[]) {
  const logits = tf.tensor2d(rows);
  const c = center ? tf.tensor1d(center) : undefined;
  try {
    return await collapseIndicators(logits, { temperature, ...(c ? { center: c } : {}) });
  } finally {
    tf.dispose([logits, c]);
  }
}

describe('collapseIndicators', () => {
  it('reads uniform collapse: flat outputs have the largest per-sample entropy and no KL to uniform', async () => {
    const r = await indicators([[0, 0], [0, 0]], 1);
    expect(r.maxEntropy).toBeCloseTo(LOG2, 6);
    expect(r.meanEntropy).toBeCloseTo(LOG2, 5);
    expect(r.entropyOfMean).toBeCloseTo(LOG2, 5);
    expect(r.klToUniform).toBeCloseTo(0, 5);
  });

  it('reads one-dimension collapse: every image on the same dimension gives a low entropy of the mean and KL near log K', async () => {
    const r = await indicators([[10, 0], [10, 0]], 0.1); // p = (1 - e^-100, e^-100) per row
    expect(r.meanEntropy).toBeCloseTo(0, 5);
    expect(r.entropyOfMean).toBeCloseTo(0, 5);
    expect(r.klToUniform).toBeCloseTo(LOG2, 5);
  });

  it('reads a healthy batch: sharp outputs on different dimensions give a low mean entropy and a high entropy of the mean', async () => {
    const r = await indicators([[10, 0], [0, 10]], 0.1);
    expect(r.meanEntropy).toBeCloseTo(0, 5);
    expect(r.entropyOfMean).toBeCloseTo(LOG2, 5);
    expect(r.klToUniform).toBeCloseTo(0, 5);
  });

  it('subtracts the centre and divides by the temperature before the softmax (hand-derived)', async () => {
    // logits (ln 3, 0), T = 1: p = (3/4, 1/4), H = -(3/4 ln 3/4 + 1/4 ln 1/4) = 0.562335
    const plain = await indicators([[Math.log(3), 0]], 1);
    expect(plain.meanEntropy).toBeCloseTo(0.562335, 5);
    expect(plain.entropyOfMean).toBeCloseTo(0.562335, 5);
    expect(plain.klToUniform).toBeCloseTo(LOG2 - 0.562335, 5);
    // centre (ln 3, 0) makes the logits 0: uniform
    expect((await indicators([[Math.log(3), 0]], 1, [Math.log(3), 0])).meanEntropy).toBeCloseTo(LOG2, 5);
    // T = 1/2 doubles the logits: p = (9/10, 1/10), H = 0.325083
    expect((await indicators([[Math.log(3), 0]], 0.5)).meanEntropy).toBeCloseTo(0.325083, 5);
  });

  it('leaks no tensor', async () => {
    const logits = tf.randomNormal([4, 8]) as tf.Tensor2D;
    const center = tf.zeros([1, 8]);
    await expectNoLeaks(() => collapseIndicators(logits, { temperature: 0.04, center }), 'collapseIndicators');
    await expectNoLeaks(() => collapseIndicatorTensors(logits, { temperature: 0.04 }), 'collapseIndicatorTensors');
    tf.dispose([logits, center]);
  });

  it('refuses a non-positive temperature, a centre of the wrong size and logits of the wrong rank', async () => {
    const logits = tf.zeros([2, 4]) as tf.Tensor2D;
    const center = tf.zeros([3]);
    await expect(collapseIndicators(logits, { temperature: 0 })).rejects.toThrowError(/temperature/);
    await expect(collapseIndicators(logits, { temperature: 1, center })).rejects.toThrowError(/expected 4 values/);
    const flat = tf.zeros([4]);
    await expect(collapseIndicators(flat as unknown as tf.Tensor2D, { temperature: 1 })).rejects.toThrowError(/\[batch, K\]/);
    tf.dispose([logits, center, flat]);
  });
});
