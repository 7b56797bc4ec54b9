import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectParity, nativeReady, runnableIsas, uniform, withConfig, type Input } from '../../test/parity.js';

// Values that exercise every branch: zeros of both signs, tiny and huge magnitudes, infinities, NaN.
const SPECIAL = [0, -0, 1e-30, -1e-30, 1e-7, -1e-7, 0.5, -0.5, 1, -1, 6, 7, -6, 20, -20, 88, -88, 100, -104, 1e30, -1e30, Infinity, -Infinity, NaN];

function withSpecials(input: Input): Input {
  const values = Float32Array.from(input.values);
  SPECIAL.forEach((v, i) => (values[i] = v));
  return { shape: input.shape, values };
}

const UNARY: [string, (x: tf.Tensor) => tf.Tensor, number, number][] = [
  ['exp', tf.exp, -20, 20],
  ['log', tf.log, 1e-6, 100],
  ['sqrt', tf.sqrt, 0, 100],
  ['rsqrt', tf.rsqrt, 1e-6, 100],
  ['square', tf.square, -10, 10],
  ['neg', tf.neg, -10, 10],
  ['abs', tf.abs, -10, 10],
  ['erf', tf.erf, -4, 4],
  ['tanh', tf.tanh, -10, 10],
  ['sigmoid', tf.sigmoid, -20, 20],
  ['relu', tf.relu, -5, 5],
  ['relu6', tf.relu6, -3, 9],
  ['elu', tf.elu, -5, 5],
  ['leakyRelu', (x) => tf.leakyRelu(x, 0.15), -5, 5],
  ['reciprocal', tf.reciprocal, 0.1, 10],
  ['log1p', tf.log1p, -0.9, 10],
  ['softplus', tf.softplus, -30, 30],
  ['clipByValue', (x) => tf.clipByValue(x, -0.25, 0.75), -2, 2],
  ['step', (x) => tf.step(x, 0.3), -2, 2],
  ['sign', tf.sign, -2, 2],
  ['expm1', tf.expm1, -5, 5],
];

describe.skipIf(!nativeReady)('unary kernels on the native backend', () => {
  it.each(UNARY)('%s matches cpu on random inputs, odd lengths and special values', async (name, op, lo, hi) => {
    for (const [size, seed] of [[1, 1], [3, 2], [65, 3], [197, 4], [40_001, 5]] as const) {
      await expectParity([uniform([size], seed, lo, hi)], (x) => op(x!), { label: `${name} [${size}]` });
    }
    await expectParity([withSpecials(uniform([7, 9], 6, lo, hi))], (x) => op(x!), { label: `${name} special values` });
  });

  it('matches cpu with every instruction set', async () => {
    for (const isa of runnableIsas()) {
      await withConfig({ isa }, async () => {
        for (const [name, op, lo, hi] of UNARY) await expectParity([withSpecials(uniform([1031], 7, lo, hi))], (x) => op(x!), { label: `${isa} ${name}` });
      });
    }
  });
});

const BINARY: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
  ['add', tf.add],
  ['sub', tf.sub],
  ['mul', tf.mul],
  ['div', tf.div],
  ['maximum', tf.maximum],
  ['minimum', tf.minimum],
  ['squaredDifference', tf.squaredDifference],
  ['pow', (a, b) => tf.pow(tf.abs(a), b)],
  ['prelu', tf.prelu],
];

// Broadcasting patterns: equal shapes, scalars on either side, rows, columns, middle axes, and
// both sides broadcasting at once.
const PATTERNS: [number[], number[]][] = [
  [[197], [197]],
  [[3, 65], [3, 65]],
  [[64, 65, 3], []],
  [[], [5, 7]],
  [[65, 197], [197]],
  [[65, 197], [65, 1]],
  [[4, 1, 6], [1, 5, 1]],
  [[2, 3, 4, 5], [3, 1, 5]],
  [[1, 65, 1], [3, 1, 64]],
  [[2, 1, 3, 1, 4], [3, 5, 1]],
  [[130, 300], [130, 300]],
];

describe.skipIf(!nativeReady)('binary kernels on the native backend', () => {
  it.each(BINARY)('%s matches cpu with broadcasting', async (name, op) => {
    let seed = 10;
    for (const [sa, sb] of PATTERNS) {
      await expectParity([uniform(sa, seed++, -3, 3), uniform(sb, seed++, -3, 3)], (a, b) => op(a!, b!), { label: `${name} ${JSON.stringify([sa, sb])}` });
    }
  });

  it('matches cpu on special values', async () => {
    const a: Input = { shape: [SPECIAL.length], values: Float32Array.from(SPECIAL) };
    const b: Input = { shape: [SPECIAL.length], values: Float32Array.from([...SPECIAL].reverse()) };
    for (const [name, op] of BINARY) await expectParity([a, b], (x, y) => op(x!, y!), { label: `${name} special values` });
  });

  it('matches cpu with every instruction set', async () => {
    for (const isa of runnableIsas()) {
      await withConfig({ isa }, async () => {
        for (const [name, op] of BINARY) await expectParity([uniform([3, 1031], 20, -3, 3), uniform([1031], 21, -3, 3)], (a, b) => op(a!, b!), { label: `${isa} ${name}` });
      });
    }
  });

  it('leaves int32 arithmetic to the cpu kernels', async () => {
    const a: Input = { shape: [4], values: Int32Array.from([7, -7, 2, 9]) };
    const b: Input = { shape: [4], values: Int32Array.from([2, 3, -4, 9]) };
    for (const op of [tf.add, tf.sub, tf.mul, tf.maximum]) await expectParity([a, b], (x, y) => op(x!, y!), { rtol: 0 });
    await expectParity([a, b], (x, y) => {
      const sum = tf.add(x!, y!);
      expect(sum.dtype).toBe('int32');
      return sum;
    });
  });

  it('pow with a scalar 2, an int32 exponent and broadcast exponents matches cpu (tf.norm uses them)', async () => {
    const x = uniform([65, 33], 40, -3, 3);
    const ints: Input = { shape: [33], values: Int32Array.from({ length: 33 }, (_, i) => (i % 7) - 3), dtype: 'int32' };
    await expectParity([x], (t) => tf.pow(t!, 2));
    await expectParity([x], (t) => tf.pow(t!, tf.scalar(2, 'int32')));
    await expectParity([x], (t) => tf.pow(tf.abs(t!), 0.5));
    await expectParity([x, ints], (t, e) => tf.pow(t!, e!));
    await expectParity([x], (t) => [tf.norm(t!), tf.norm(t!, 2, 1), tf.norm(t!, 'euclidean', 0, true)]);
  });

  it('addN matches cpu (left-to-right float sums)', async () => {
    const inputs = [0, 1, 2, 3, 4].map((s) => uniform([65, 197], 30 + s, -100, 100));
    await expectParity(inputs, (...xs) => tf.addN(xs));
    await expectParity(inputs.slice(0, 2), (...xs) => tf.addN(xs));
  });
});
