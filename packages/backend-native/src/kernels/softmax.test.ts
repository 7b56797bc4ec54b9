import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { expectParity, nativeReady, runnableIsas, uniform, withConfig } from '../../test/parity.js';

const SHAPES: number[][] = [[1], [197], [3, 65], [65, 197], [2, 3, 65, 65], [192, 1], [4, 8192]];

describe.skipIf(!nativeReady)('softmax and log-softmax on the native backend', () => {
  it('softmax matches cpu on every shape and on large logits', async () => {
    let seed = 1;
    for (const shape of SHAPES) {
      await expectParity([uniform(shape, seed++, -5, 5)], (x) => tf.softmax(x!));
      await expectParity([uniform(shape, seed++, -80, 80)], (x) => tf.softmax(x!));
    }
  });

  it('log-softmax (Max, Sub, Exp, Sum, Log) matches cpu', async () => {
    let seed = 50;
    for (const shape of SHAPES) await expectParity([uniform(shape, seed++, -20, 20)], (x) => tf.logSoftmax(x!));
  });

  it('gradients of softmax and log-softmax match cpu', async () => {
    const logits = uniform([5, 65], 70, -4, 4);
    const weights = uniform([5, 65], 71);
    await expectParity([logits, weights], (x, w) => tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.softmax(z), w!)))(x!));
    await expectParity([logits, weights], (x, w) => tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.logSoftmax(z), w!)))(x!));
  });

  it('propagates NaN and infinite logits as cpu does', async () => {
    const values = Float32Array.from([1, NaN, 3, -Infinity, 2, 5, Infinity, 0, -1, -Infinity, -Infinity, 4]);
    await expectParity([{ shape: [4, 3], values }], (x) => tf.softmax(x!));
  });

  it('matches cpu with every instruction set', async () => {
    for (const isa of runnableIsas()) {
      await withConfig({ isa }, async () => {
        await expectParity([uniform([13, 197], 80, -9, 9)], (x) => tf.softmax(x!), { label: `${isa} softmax` });
      });
    }
  });
});
