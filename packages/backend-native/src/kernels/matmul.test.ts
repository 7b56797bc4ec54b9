import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { availableGemms, expectParity, nativeReady, runOn, runnableIsas, uniform, withConfig, type Input } from '../../test/parity.js';

// The odd sizes the issue asks for (1, 3, 65, 197 rows), crossed with every transpose flag.
const SIZES = [1, 3, 65, 197];
const FLAGS: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

/** A and B stored for op(A) [m, k] and op(B) [k, n] under the flags, with leading batch dims. */
function operands(batchA: number[], batchB: number[], m: number, n: number, k: number, ta: boolean, tb: boolean, seed: number): [Input, Input] {
  return [uniform([...batchA, ...(ta ? [k, m] : [m, k])], seed), uniform([...batchB, ...(tb ? [n, k] : [k, n])], seed + 1)];
}

/** |op(A)| |op(B)| on cpu: the size of the terms each output sums, the scale of its rounding error. */
async function termScale(a: Input, b: Input, ta: boolean, tb: boolean): Promise<Float32Array> {
  const [out] = await runOn('cpu', [a, b], (x, y) => tf.matMul(tf.abs(x!), tf.abs(y!), ta, tb));
  return out!.values as Float32Array;
}

async function checkMatMul(batchA: number[], batchB: number[], m: number, n: number, k: number, ta: boolean, tb: boolean, seed: number) {
  const [a, b] = operands(batchA, batchB, m, n, k, ta, tb, seed);
  const scale = await termScale(a, b, ta, tb);
  await expectParity([a, b], (x, y) => tf.matMul(x!, y!, ta, tb), { scale: () => scale, label: `matMul ${JSON.stringify({ batchA, batchB, m, n, k, ta, tb })}` });
}

describe.skipIf(!nativeReady)('BatchMatMul on the native backend', () => {
  it.each(FLAGS)('matches cpu for every size combination (transposeA %s, transposeB %s)', async (ta, tb) => {
    let seed = 1;
    for (const m of SIZES) for (const n of SIZES) for (const k of [1, 3, 65, 197]) await checkMatMul([], [], m, n, k, ta, tb, (seed += 2));
  });

  it.each(FLAGS)('matches cpu on batched and broadcast batches (transposeA %s, transposeB %s)', async (ta, tb) => {
    await checkMatMul([3], [3], 65, 33, 17, ta, tb, 11);
    await checkMatMul([2, 3], [2, 3], 5, 7, 64, ta, tb, 13);
    await checkMatMul([1], [4], 3, 65, 9, ta, tb, 15);
    await checkMatMul([4], [1], 197, 3, 65, ta, tb, 17);
    await checkMatMul([4], [], 19, 21, 23, ta, tb, 19);
  });

  it('matches cpu on the shapes of a ViT step (large k and the attention products)', async () => {
    await checkMatMul([], [], 192, 96, 4160, true, false, 21); // a weight gradient: X^T dY, k = batch * tokens
    await checkMatMul([], [], 520, 576, 192, false, false, 23);
    await checkMatMul([], [], 520, 192, 768, false, true, 25);
    await checkMatMul([24], [24], 65, 65, 64, false, true, 27); // q k^T
    await checkMatMul([24], [24], 65, 64, 65, true, false, 29); // p^T dO
  });

  it('matches cpu with every instruction set and GEMM engine', async () => {
    for (const isa of runnableIsas()) {
      for (const gemm of availableGemms()) {
        await withConfig({ isa, gemm }, async () => {
          let seed = 100;
          for (const [ta, tb] of FLAGS) {
            await checkMatMul([], [], 65, 197, 65, ta, tb, (seed += 2));
            await checkMatMul([], [], 197, 33, 300, ta, tb, (seed += 2));
            await checkMatMul([6], [6], 13, 65, 64, ta, tb, (seed += 2));
          }
        });
      }
    }
  });

  it('matches cpu on one thread', async () => {
    await withConfig({ threads: 1 }, async () => {
      for (const [ta, tb] of FLAGS) await checkMatMul([2], [2], 197, 65, 130, ta, tb, 31);
    });
  });

  it('falls back to the cpu kernel for int32 operands', async () => {
    const a: Input = { shape: [3, 4], values: Int32Array.from({ length: 12 }, (_, i) => i - 5) };
    const b: Input = { shape: [4, 2], values: Int32Array.from({ length: 8 }, (_, i) => 2 * i - 7) };
    await expectParity([a, b], (x, y) => tf.matMul(x!, y!), { rtol: 0 });
  });
});

describe.skipIf(!nativeReady)('_FusedMatMul on the native backend', () => {
  const activations = ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid', 'prelu'] as const;

  it.each(FLAGS)('matches cpu with a bias and every activation (transposeA %s, transposeB %s)', async (ta, tb) => {
    const [a, b] = operands([], [], 65, 33, 197, ta, tb, 41);
    const scale = await termScale(a, b, ta, tb);
    const bias = uniform([33], 43);
    const alpha = uniform([33], 45, 0, 0.5);
    for (const activation of activations) {
      await expectParity(
        [a, b, bias, alpha],
        (x, y, z, w) =>
          tf.fused.matMul({ a: x!, b: y!, transposeA: ta, transposeB: tb, bias: z, activation, preluActivationWeights: activation === 'prelu' ? w : undefined, leakyreluAlpha: 0.1 }),
        // The bias adds one term of its own to each sum.
        { scale: () => scale.map((s, i) => s + Math.abs(bias.values[i % 33]!)), label: `fused ${activation}` },
      );
    }
  });

  it('matches cpu for scalar, row and full biases and batches', async () => {
    const [a, b] = operands([3], [3], 5, 7, 9, false, false, 51);
    const scale = await termScale(a, b, false, false);
    const abs = (v: ArrayLike<number>) => Math.max(...Array.from(v, Math.abs));
    for (const biasShape of [[1], [7], [1, 7], [3, 5, 7], [5, 7]]) {
      const bias = uniform(biasShape, 53);
      await expectParity([a, b, bias], (x, y, z) => tf.fused.matMul({ a: x!, b: y!, bias: z, activation: 'relu' }), {
        scale: () => scale.map((s) => s + abs(bias.values)),
        label: `bias ${JSON.stringify(biasShape)}`,
      });
    }
  });
});
