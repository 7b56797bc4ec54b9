import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { expectParity, nativeReady, runOn, runnableIsas, uniform, withConfig, type Input } from '../../test/parity.js';

const SHAPES: number[][] = [[197], [3, 65], [65, 1, 197], [2, 3, 4, 5], [4160, 24], [1, 3, 1, 7], [2, 65, 3, 64]];

/** Every non-empty subset of the axes of a shape (rank <= 4: at most 15). */
function axisSets(rank: number): number[][] {
  const sets: number[][] = [];
  for (let mask = 1; mask < 1 << rank; mask++) sets.push([...Array(rank).keys()].filter((a) => mask & (1 << a)));
  return sets;
}

const REDUCTIONS: [string, (x: tf.Tensor, axis: number[], keepDims: boolean) => tf.Tensor][] = [
  ['sum', (x, axis, keep) => tf.sum(x, axis, keep)],
  ['mean', (x, axis, keep) => tf.mean(x, axis, keep)],
  ['max', (x, axis, keep) => tf.max(x, axis, keep)],
  ['min', (x, axis, keep) => tf.min(x, axis, keep)],
];

/** The sum of |x| over the same axes: the scale of a sum's rounding error. */
async function absScale(input: Input, axis: number[], mean: boolean): Promise<Float32Array> {
  const [out] = await runOn('cpu', [input], (x) => (mean ? tf.mean(tf.abs(x!), axis) : tf.sum(tf.abs(x!), axis)));
  return out!.values as Float32Array;
}

describe.skipIf(!nativeReady)('reductions on the native backend', () => {
  it.each(REDUCTIONS)('%s matches cpu over every set of axes, with and without keepDims', async (name, op) => {
    let seed = 1;
    for (const shape of SHAPES) {
      for (const axis of axisSets(shape.length)) {
        const input = uniform(shape, seed++, -2, 2);
        const scale = name === 'sum' || name === 'mean' ? await absScale(input, axis, name === 'mean') : undefined;
        for (const keepDims of [false, true]) {
          await expectParity([input], (x) => op(x!, axis, keepDims), { scale: scale && (() => scale), label: `${name} ${JSON.stringify(shape)} axis ${JSON.stringify(axis)} keepDims ${keepDims}` });
        }
      }
    }
  });

  it('reduces long rows and columns split across threads (and with one thread)', async () => {
    const input = uniform([3, 200_003], 90, -2, 2);
    const column = uniform([100_000, 3], 91, -2, 2);
    for (const threads of [undefined, 1]) {
      await withConfig({ threads }, async () => {
        for (const [name, op] of REDUCTIONS) {
          const rowScale = name === 'sum' || name === 'mean' ? await absScale(input, [1], name === 'mean') : undefined;
          await expectParity([input], (x) => op(x!, [1], false), { scale: rowScale && (() => rowScale), label: `${name} long rows` });
          const colScale = name === 'sum' || name === 'mean' ? await absScale(column, [0], name === 'mean') : undefined;
          await expectParity([column], (x) => op(x!, [0], false), { scale: colScale && (() => colScale), label: `${name} long columns` });
          await expectParity([input], (x) => op(x!, [0, 1], false), { rtol: name === 'max' || name === 'min' ? 0 : 1e-5, label: `${name} everything` });
        }
      });
    }
  });

  it('propagates NaN and handles infinities as cpu does', async () => {
    const values = Float32Array.from([1, NaN, 3, -Infinity, 2, 5, Infinity, 0, -1]);
    for (const [name, op] of REDUCTIONS) {
      for (const axis of [[0], [1], [0, 1]]) await expectParity([{ shape: [3, 3], values }], (x) => op(x!, axis, false), { label: `${name} ${JSON.stringify(axis)}` });
    }
  });

  it('matches cpu with every instruction set', async () => {
    for (const isa of runnableIsas()) {
      await withConfig({ isa }, async () => {
        const input = uniform([33, 65, 7], 95, -2, 2);
        for (const [name, op] of REDUCTIONS) {
          for (const axis of [[0], [1], [2], [0, 2]]) {
            const scale = name === 'sum' || name === 'mean' ? await absScale(input, axis, name === 'mean') : undefined;
            await expectParity([input], (x) => op(x!, axis, false), { scale: scale && (() => scale), label: `${isa} ${name} ${JSON.stringify(axis)}` });
          }
        }
      });
    }
  });
});
