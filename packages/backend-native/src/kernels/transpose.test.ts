import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { expectParity, nativeReady, runnableIsas, uniform, withConfig, type Input } from '../../test/parity.js';

/** Every permutation of [0, rank). */
function permutations(rank: number): number[][] {
  if (rank === 0) return [[]];
  return permutations(rank - 1).flatMap((p) => Array.from({ length: rank }, (_, i) => [...p.slice(0, i), rank - 1, ...p.slice(i)]));
}

const SHAPES: number[][] = [[65, 197], [17, 33], [1, 197], [3, 65, 64], [2, 1, 65], [2, 3, 4, 5], [4, 3, 65, 16], [2, 3, 1, 4, 5], [3, 2, 5, 4, 3]];

describe.skipIf(!nativeReady)('Transpose on the native backend', () => {
  it('matches cpu exactly for every permutation of ranks 2 to 5', async () => {
    let seed = 1;
    for (const shape of SHAPES) {
      const input = uniform(shape, seed++);
      for (const perm of permutations(shape.length)) await expectParity([input], (x) => tf.transpose(x!, perm), { rtol: 0, label: `${JSON.stringify(shape)} perm ${JSON.stringify(perm)}` });
    }
  });

  it('transposes int32 tensors and large planes exactly', async () => {
    const ints: Input = { shape: [3, 5, 7], values: Int32Array.from({ length: 105 }, (_, i) => i * 7919 - 400_000) };
    for (const perm of permutations(3)) await expectParity([ints], (x) => tf.transpose(x!, perm), { rtol: 0 });
    await expectParity([uniform([1041, 333], 9)], (x) => tf.transpose(x!), { rtol: 0 });
  });

  it('matches cpu with every instruction set', async () => {
    for (const isa of runnableIsas()) {
      await withConfig({ isa }, async () => {
        await expectParity([uniform([48, 33], 10)], (x) => tf.transpose(x!), { rtol: 0 });
        await expectParity([uniform([2, 64, 3, 65], 11)], (x) => tf.transpose(x!, [0, 2, 3, 1]), { rtol: 0 });
      });
    }
  });
});
