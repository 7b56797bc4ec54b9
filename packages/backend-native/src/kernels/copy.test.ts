import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { NATIVE_BACKEND_NAME } from '../index.js';
import { expectParity, expectSame, nativeReady, uniform, type Input } from '../../test/parity.js';

const ints: Input = { shape: [4, 5, 6], values: Int32Array.from({ length: 120 }, (_, i) => 3 * i - 100) };

describe.skipIf(!nativeReady)('slicing, splitting, concatenating and padding on the native backend', () => {
  it('slice matches cpu for strided and contiguous boxes', async () => {
    const x = uniform([4, 65, 6, 7], 1);
    for (const [begin, size] of [
      [[0, 0, 0, 0], [4, 65, 6, 7]],
      [[1, 0, 0, 0], [2, 65, 6, 7]],
      [[0, 1, 0, 0], [4, 64, 6, 7]],
      [[1, 2, 3, 4], [2, 3, 2, 3]],
      [[0, 0, 0, 6], [4, 65, 6, 1]],
      [[3, 64, 5, 0], [1, 1, 1, 7]],
      [[0, 10, 0, 0], [-1, 5, -1, -1]],
    ] as [number[], number[]][]) {
      await expectParity([x], (t) => tf.slice(t!, begin, size), { rtol: 0, label: `slice ${JSON.stringify([begin, size])}` });
    }
    await expectParity([ints], (t) => tf.slice(t!, [1, 1, 2], [2, 3, 3]), { rtol: 0 });
  });

  it('split matches cpu along every axis', async () => {
    const x = uniform([6, 66, 12], 2);
    for (const axis of [0, 1, 2, -1]) {
      await expectParity([x], (t) => tf.split(t!, 3, axis), { rtol: 0 });
    }
    await expectParity([x], (t) => tf.split(t!, [1, 61, 4], 1), { rtol: 0 });
    await expectParity([ints], (t) => tf.split(t!, [2, -1], 2), { rtol: 0 });
  });

  it('concat matches cpu along every axis, with empty inputs', async () => {
    const a = uniform([3, 65, 4], 3);
    const b = uniform([3, 65, 4], 4);
    for (const axis of [0, 1, 2]) await expectParity([a, b, a], (x, y, z) => tf.concat([x!, y!, z!], axis), { rtol: 0 });
    const c = uniform([3, 2, 4], 5);
    const empty = uniform([3, 0, 4], 6);
    await expectParity([a, c, empty], (x, y, z) => tf.concat([x!, y!, z!], 1), { rtol: 0 });
    await expectParity([ints, ints], (x, y) => tf.concat([x!, y!], 1), { rtol: 0 });
  });

  it('pad matches cpu with zero and non-zero constants', async () => {
    const x = uniform([2, 5, 7], 7);
    await expectParity([x], (t) => tf.pad(t!, [[0, 0], [1, 2], [3, 0]]), { rtol: 0 });
    await expectParity([x], (t) => tf.pad(t!, [[1, 1], [0, 0], [0, 0]], -2.5), { rtol: 0 });
    await expectParity([ints], (t) => tf.pad(t!, [[0, 1], [2, 0], [1, 1]], 7), { rtol: 0 });
  });

  it('gather matches cpu along every axis, with batch dimensions, and refuses bad indices as cpu does', async () => {
    const x = uniform([4, 65, 6], 10);
    const indices = (values: number[], shape = [values.length]): Input => ({ shape, values: Int32Array.from(values), dtype: 'int32' });
    for (const axis of [0, 1, 2]) {
      const size = [4, 65, 6][axis]!;
      await expectParity([x, indices([0, size - 1, 1, 1, size - 2], [5])], (t, i) => tf.gather(t!, i!, axis), { rtol: 0 });
      await expectParity([x, indices([2, 0, 1, 3], [2, 2])], (t, i) => tf.gather(t!, tf.minimum(i!, tf.scalar(size - 1, 'int32')), axis), { rtol: 0 });
    }
    await expectParity([x, indices([1, 0, 3, 3, 2, 1, 0, 0], [4, 2])], (t, i) => tf.gather(t!, i!, 1, 1), { rtol: 0 });
    await expectParity([ints, indices([3, 0])], (t, i) => tf.gather(t!, i!, 0), { rtol: 0 });
    const previous = tf.getBackend();
    for (const backend of ['cpu', NATIVE_BACKEND_NAME]) {
      await tf.setBackend(backend);
      expect(() => tf.gather(tf.zeros([3, 2]), tf.tensor1d([0, 3], 'int32'))).toThrow(/index value 3 is not in \[0, 2\]/);
    }
    await tf.setBackend(previous);
  });

  it('gradients through gather match cpu', async () => {
    const x = uniform([5, 7], 11);
    const indices: Input = { shape: [6], values: Int32Array.from([4, 0, 0, 2, 1, 4]), dtype: 'int32' };
    await expectParity([x, indices], (t, i) => tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.gather(z, i!, 0), 2)))(t!));
  });

  it('fill, zerosLike and onesLike match cpu', async () => {
    const x = uniform([3, 65, 7], 9);
    await expectParity([x], (t) => [tf.zerosLike(t!), tf.onesLike(t!), tf.fill([4, 5], -1.25), tf.fill([2, 2], 3, 'int32'), tf.zerosLike(tf.cast(t!, 'int32'))], { rtol: 0 });
  });

  it('stack (Pack) matches cpu along every axis, for scalars, one input, int32 and empty inputs', async () => {
    const a = uniform([3, 49, 8], 12);
    const b = uniform([3, 49, 8], 13);
    for (const axis of [0, 1, 2, 3, -1, -4]) await expectSame([a, b, a], (x, y, z) => tf.stack([x!, y!, z!], axis), `stack axis ${axis}`);
    await expectSame([a], (x) => tf.stack([x!], 1), 'stack of one');
    await expectSame([uniform([], 14), uniform([], 15)], (x, y) => tf.stack([x!, y!, x!]), 'stack of scalars');
    await expectSame([ints, ints], (x, y) => tf.stack([x!, y!], 2), 'stack of int32');
    await expectSame([uniform([2, 0], 16), uniform([2, 0], 17)], (x, y) => tf.stack([x!, y!], 1), 'stack of empty');
  });

  it('fill, zerosLike and onesLike of int32 and bool tensors match cpu bit for bit, empty ones too', async () => {
    const mask: Input = { shape: [65, 7], values: Uint8Array.from({ length: 455 }, (_, i) => i % 2) };
    const empty: Input = { shape: [0, 5], values: new Uint8Array(0) };
    for (const input of [ints, mask, empty]) {
      await expectSame([input], (t) => [tf.zerosLike(t!), tf.onesLike(t!)], `${input.values.constructor.name} [${input.shape}]`);
    }
    await expectSame([], () => [tf.fill([3, 5], -7, 'int32'), tf.fill([2, 3], 2.5, 'int32'), tf.fill([300, 301], 1, 'int32'), tf.fill([], 4, 'int32')]);
  });

  it('gradients through slice, split, concat and pad match cpu', async () => {
    const x = uniform([4, 6], 8);
    await expectParity([x], (t) =>
      tf.grad((z: tf.Tensor) => {
        const [p, q] = tf.split(z, [2, 4], 1);
        return tf.sum(tf.mul(tf.concat([tf.pad(p!, [[0, 0], [1, 1]]), tf.slice(q!, [1, 0], [3, 4])], 0), 1.5));
      })(t!),
    );
  });
});
