import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nativeFallbackReport, resetNativeFallbackReport } from '../fallback-report.js';
import { NATIVE_BACKEND_NAME } from '../index.js';
import { expectSame, nativeReady, runOn, uniform, type Input } from '../../test/parity.js';

// Truncation both ways, halves, the int32 limits and beyond (ToInt32 wraps modulo 2^32), huge
// values, infinities, NaN and both zeros.
const FLOATS = [0, -0, 0.4, -0.4, 0.5, -0.5, 1.5, -1.5, 2.5, -2.7, 1e9, 2147483520, 2147483648, -2147483648, 3e9, -3e9, 4294967296, 6e9, -6e9, 1e20, -1e20, 3.4e38, Infinity, -Infinity, NaN];
const floats: Input = { shape: [5, 5], values: Float32Array.from(FLOATS) };
const ints: Input = { shape: [2, 4], values: Int32Array.from([0, 1, -1, 7, -16777216, 16777216, 2147483647, -2147483648]) };
const bools: Input = { shape: [3, 3], values: Uint8Array.from([0, 1, 1, 0, 0, 1, 0, 1, 1]) };
const DTYPES = ['float32', 'int32', 'bool'] as const;

describe.skipIf(!nativeReady)('cast on the native backend', () => {
  it('converts between float32, int32 and bool as cpu does, bit for bit', async () => {
    for (const input of [floats, bools, uniform([300, 301], 1, -5e9, 5e9), { shape: [0, 3], values: new Float32Array(0) }]) {
      for (const dtype of DTYPES) await expectSame([input], (x) => tf.cast(x!, dtype), `cast ${x(input)} to ${dtype}`);
    }
    const smallInts: Input = { shape: [8], values: Int32Array.from([0, 1, -1, 7, -16777216, 16777216, 123456, -654321]) };
    for (const dtype of DTYPES) await expectSame([smallInts], (x) => tf.cast(x!, dtype), `cast int32 to ${dtype}`);
  });

  it('rounds int32 values beyond 2^24 to the nearest float32 (cpu keeps the Int32Array under the float32 tensor)', async () => {
    const [cpu] = await runOn('cpu', [ints], (x) => tf.cast(x!, 'float32'));
    const [native] = await runOn(NATIVE_BACKEND_NAME, [ints], (x) => tf.cast(x!, 'float32'));
    expect(native!.values).toBeInstanceOf(Float32Array);
    expect(Array.from(native!.values)).toEqual(Array.from(cpu!.values, (v) => Math.fround(v)));
  });

  it('writes float32 casts into Float32Arrays, so that what follows a cast from bool runs natively', async () => {
    const [cpu] = await runOn('cpu', [bools], (x) => tf.cast(x!, 'float32'));
    expect(cpu!.values).toBeInstanceOf(Uint8Array); // the cpu kernel's view of the bool bytes
    const [native] = await runOn(NATIVE_BACKEND_NAME, [bools], (x) => tf.cast(x!, 'float32'));
    expect(native!.values).toBeInstanceOf(Float32Array);
    await tf.setBackend(NATIVE_BACKEND_NAME);
    const mask = tf.tensor(bools.values, bools.shape, 'bool');
    const y = tf.tensor(uniform([3, 3], 2).values, [3, 3]);
    resetNativeFallbackReport();
    const products = [tf.mul(y, tf.cast(mask, 'float32')), tf.add(tf.cast(mask, 'int32'), tf.scalar(1, 'int32'))];
    expect(nativeFallbackReport().map((f) => f.kernel)).toEqual(['Add']); // int32 arithmetic is cpu's
    tf.dispose([mask, y, ...products]);
  });

  it('returns the input data for a cast to its own dtype', async () => {
    await tf.setBackend(NATIVE_BACKEND_NAME);
    const x = tf.tensor([1.5, -2, 3], [3]);
    const before = tf.memory().numDataBuffers;
    const y = tf.cast(x, 'float32');
    expect(tf.memory().numDataBuffers).toBe(before);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1.5, -2, 3]);
    y.dispose();
  });
});

function x(input: Input): string {
  return `${input.values.constructor.name}[${input.shape}]`;
}
