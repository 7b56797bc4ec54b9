import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { expectSame, nativeReady, random, type Input } from '../../test/parity.js';

// Few distinct values, so that ties are common (the first index wins), and NaN, infinities, -0.
const VALUES = [0, -0, 1, -1, 2.5, -2.5, Infinity, -Infinity, NaN];

function floats(shape: number[], seed: number, values = VALUES): Input {
  const next = random(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Float32Array.from({ length: size }, () => values[Math.floor(next(0, values.length))]!) };
}

function ints(shape: number[], seed: number): Input {
  const next = random(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Int32Array.from({ length: size }, () => Math.floor(next(-4, 4))) };
}

// Every axis of ranks 1 to 4, long rows (split over threads), wide columns, empty axes.
const CASES: [number[], number[]][] = [
  [[7], [0, -1]],
  [[65, 33], [0, 1, -1]],
  [[4, 5, 6], [0, 1, 2]],
  [[2, 3, 4, 5], [0, 1, 2, 3]],
  [[3, 0], [0]],
  [[300, 512], [0, 1]],
  [[2, 49, 700], [1, 2]],
  [[1, 100_003], [1]],
];

describe.skipIf(!nativeReady)('argMax and argMin on the native backend', () => {
  it('match cpu bit for bit on float32 (ties, NaN, infinities) and int32 along every axis', async () => {
    let seed = 1;
    for (const [shape, axes] of CASES) {
      for (const axis of axes) {
        const label = `${JSON.stringify(shape)} axis ${axis}`;
        await expectSame([floats(shape, seed++)], (x) => [tf.argMax(x!, axis), tf.argMin(x!, axis)], `float32 ${label}`);
        await expectSame([floats(shape, seed++, [0.5, 1.5, 2.5, 3.5])], (x) => [tf.argMax(x!, axis), tf.argMin(x!, axis)], `float32 without NaN ${label}`);
        await expectSame([ints(shape, seed++)], (x) => [tf.argMax(x!, axis), tf.argMin(x!, axis)], `int32 ${label}`);
      }
    }
  });
});
