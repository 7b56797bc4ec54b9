import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { expectSame, nativeReady, uniform, type Input } from '../../test/parity.js';

function ints(shape: number[]): Input {
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Int32Array.from({ length: size }, (_, i) => 7 * i - 50) };
}

function bools(shape: number[]): Input {
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Uint8Array.from({ length: size }, (_, i) => (i % 3 === 1 ? 1 : 0)) };
}

// Scalars, every axis repeated or not, rows of one element (filled) and of many (copied), zero
// repetitions and empty inputs, and outputs large enough to split over threads.
const CASES: [number[], number[]][] = [
  [[], []],
  [[5], [3]],
  [[1], [7]],
  [[3, 4], [1, 1]],
  [[3, 4], [2, 3]],
  [[65, 1], [1, 33]],
  [[2, 3, 4], [3, 1, 2]],
  [[1, 2, 1, 3], [2, 2, 3, 1]],
  [[2, 1, 2, 1, 2], [1, 3, 1, 2, 2]],
  [[3, 4], [0, 2]],
  [[0, 4], [3, 2]],
  [[392, 1], [1, 1024]],
  [[1, 1024], [392, 1]],
  [[7, 100_003], [2, 1]],
];

describe.skipIf(!nativeReady)('tile on the native backend', () => {
  it('matches cpu on float32, int32 and bool tensors of every rank', async () => {
    let seed = 1;
    for (const [shape, reps] of CASES) {
      const label = `tile ${JSON.stringify([shape, reps])}`;
      await expectSame([uniform(shape, seed++)], (x) => tf.tile(x!, reps), `float32 ${label}`);
      await expectSame([ints(shape)], (x) => tf.tile(x!, reps), `int32 ${label}`);
      await expectSame([bools(shape)], (x) => tf.tile(x!, reps), `bool ${label}`);
    }
  });

  it('matches cpu in tf.broadcastTo', async () => {
    await expectSame([uniform([65, 1], 50)], (x) => tf.broadcastTo(x!, [3, 65, 33]));
    await expectSame([bools([33])], (x) => tf.broadcastTo(x!, [65, 33]));
  });
});
