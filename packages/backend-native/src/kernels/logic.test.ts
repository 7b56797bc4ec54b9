import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nativeFallbackReport, resetNativeFallbackReport } from '../fallback-report.js';
import { NATIVE_BACKEND_NAME } from '../index.js';
import { expectSame, nativeReady, random, type Input } from '../../test/parity.js';

// Values drawn from a small set, so that equal pairs are common; specials among them.
const VALUES = [0, -0, 1, -1, 0.5, 2.5, -2.5, 3e9, Infinity, -Infinity, NaN];

function floats(shape: number[], seed: number): Input {
  const next = random(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Float32Array.from({ length: size }, () => VALUES[Math.floor(next(0, VALUES.length))]!) };
}

function ints(shape: number[], seed: number): Input {
  const next = random(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Int32Array.from({ length: size }, () => Math.floor(next(-3, 3))) };
}

function bools(shape: number[], seed: number): Input {
  const next = random(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Uint8Array.from({ length: size }, () => (next(0, 1) < 0.5 ? 1 : 0)) };
}

const COMPARISONS: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
  ['equal', tf.equal],
  ['notEqual', tf.notEqual],
  ['greater', tf.greater],
  ['greaterEqual', tf.greaterEqual],
  ['less', tf.less],
  ['lessEqual', tf.lessEqual],
];

// Equal shapes, scalars on either side, rows, columns, middle axes, both sides broadcasting, empty
// tensors, and sizes large enough to split over threads along rows and along one long row.
const PATTERNS: [number[], number[]][] = [
  [[197], [197]],
  [[], []],
  [[64, 65, 3], []],
  [[], [5, 7]],
  [[65, 197], [197]],
  [[65, 197], [65, 1]],
  [[4, 1, 6], [1, 5, 1]],
  [[2, 1, 3, 1, 4], [3, 5, 1]],
  [[0, 3], [3]],
  [[2, 0], [2, 1]],
  [[300, 701], [300, 1]],
  [[2, 100_003], [2, 1]],
];

/** Runs `fn` on the native backend and returns the kernels that fell back to cpu meanwhile. */
async function fallbacksOf(fn: () => tf.Tensor | tf.Tensor[]): Promise<string[]> {
  const previous = tf.getBackend();
  await tf.setBackend(NATIVE_BACKEND_NAME);
  try {
    resetNativeFallbackReport();
    tf.dispose(tf.tidy(fn));
    return nativeFallbackReport().map((f) => f.kernel);
  } finally {
    await tf.setBackend(previous);
  }
}

describe.skipIf(!nativeReady)('comparisons and logical ops on the native backend', () => {
  it.each(COMPARISONS)('%s matches cpu bit for bit on float32 (NaN, -0, infinities) with broadcasting', async (name, op) => {
    let seed = 1;
    for (const [sa, sb] of PATTERNS) {
      await expectSame([floats(sa, seed++), floats(sb, seed++)], (a, b) => op(a!, b!), `${name} ${JSON.stringify([sa, sb])}`);
    }
  });

  it('compares int32 and bool tensors as cpu does', async () => {
    let seed = 100;
    for (const [name, op] of COMPARISONS) {
      for (const [sa, sb] of PATTERNS.slice(0, 8)) {
        await expectSame([ints(sa, seed++), ints(sb, seed++)], (a, b) => op(a!, b!), `int32 ${name} ${JSON.stringify([sa, sb])}`);
      }
      await expectSame([bools([65, 33], seed++), bools([33], seed++)], (a, b) => op(a!, b!), `bool ${name}`);
    }
  });

  it('logicalAnd, logicalOr and logicalNot match cpu with broadcasting', async () => {
    let seed = 200;
    for (const [sa, sb] of PATTERNS) {
      const inputs = [bools(sa, seed++), bools(sb, seed++)];
      await expectSame(inputs, (a, b) => [tf.logicalAnd(a!, b!), tf.logicalOr(a!, b!), tf.logicalNot(a!), tf.logicalXor(a!, b!)], `logical ${JSON.stringify([sa, sb])}`);
    }
  });

  it('runs natively: a comparison, its cast to float32 and the Multiply by it leave no kernel to cpu', async () => {
    const x = tf.tensor(floats([392, 256], 300).values as Float32Array, [392, 256]);
    const fallbacks = await fallbacksOf(() => {
      const mask = tf.cast(tf.greater(x, 0), 'float32');
      return [tf.mul(x, mask), tf.add(mask, 1), tf.where(tf.equal(x, 0), tf.zerosLike(x), x), tf.divNoNan(x, tf.abs(x)), tf.logicalNot(tf.lessEqual(x, 1))];
    });
    x.dispose();
    expect(fallbacks).toEqual([]);
  });

  it('leaves mixed dtypes to cpu (the report names them)', async () => {
    const a = tf.tensor([1, 2, 3], [3], 'float32');
    const b = tf.tensor([1, 0, 3], [3], 'int32');
    await tf.setBackend(NATIVE_BACKEND_NAME);
    resetNativeFallbackReport();
    const out = tf.engine().runKernel(tf.Equal, { a, b }) as tf.Tensor;
    expect(Array.from(out.dataSync())).toEqual([1, 0, 1]);
    expect(nativeFallbackReport()).toEqual([expect.objectContaining({ kernel: 'Equal', reason: 'inputs not supported natively', largestInputs: 'float32[3], int32[3]' })]);
    tf.dispose([a, b, out]);
  });
});

describe.skipIf(!nativeReady)('select (tf.where) on the native backend', () => {
  it('matches cpu bit for bit on float32, int32 and bool branches of one shape', async () => {
    let seed = 400;
    for (const shape of [[], [1], [197], [65, 33], [3, 0, 2], [2, 300, 301]]) {
      const condition = bools(shape, seed++);
      await expectSame([condition, floats(shape, seed++), floats(shape, seed++)], (c, t, e) => tf.where(c!, t!, e!), `float32 ${JSON.stringify(shape)}`);
      await expectSame([condition, ints(shape, seed++), ints(shape, seed++)], (c, t, e) => tf.where(c!, t!, e!), `int32 ${JSON.stringify(shape)}`);
      await expectSame([condition, bools(shape, seed++), bools(shape, seed++)], (c, t, e) => tf.where(c!, t!, e!), `bool ${JSON.stringify(shape)}`);
    }
  });

  it('matches cpu when tf.where broadcasts the condition and the branches (through Tile)', async () => {
    let seed = 500;
    for (const [sc, st, se] of [
      [[65, 1], [65, 33], [65, 33]],
      [[33], [65, 33], [1, 33]],
      [[], [4, 5], [4, 5]],
      [[2, 1, 3], [4, 1], [2, 4, 3]],
      [[392, 1], [392, 1024], []],
    ] as [number[], number[], number[]][]) {
      await expectSame([bools(sc, seed++), floats(st, seed++), floats(se, seed++)], (c, t, e) => tf.where(c!, t!, e!), `where ${JSON.stringify([sc, st, se])}`);
    }
  });

  it('leaves a Select whose condition has another shape to the cpu kernel, with its result', async () => {
    // tfjs-backend-cpu reads a rank-1 condition of a matrix in a way of its own; the native
    // kernel hands such calls to it rather than compute something else.
    await expectSame([bools([4], 600), floats([4, 3], 601), floats([4, 3], 602)], (c, t, e) => tf.engine().runKernel(tf.Select, { condition: c!, t: t!, e: e! }) as tf.Tensor);
  });

  it('differentiates through tf.where natively (ZerosLike, Cast and LogicalNot of the condition)', async () => {
    const x = tf.tensor(floats([98, 64], 700).values as Float32Array, [98, 64]);
    const fallbacks = await fallbacksOf(() => {
      const condition = tf.greater(x, 0.5);
      return tf.grad((t: tf.Tensor) => tf.sum(tf.where(condition, tf.mul(t, 2), tf.neg(t))))(x);
    });
    x.dispose();
    expect(fallbacks).toEqual([]);
  });
});
