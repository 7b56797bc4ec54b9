import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { exportStateDict, loadStateDict, stateDictFromRecords, stateDictFromSafetensors, stateDictToSafetensors } from './state-dict.js';
import type { Module, Parameter } from './module.js';
import { transposeHost } from './host-tensor.js';
import { SslError } from './ssl-error.js';

// A tiny module: a Linear layer stored [in, out] (PyTorch [out, in]) and a patch conv [p*p*C, D]
// (PyTorch [D, C, p, p]).
function tinyModule(): Module & { w: tf.Variable; conv: tf.Variable; b: tf.Variable } {
  const w = tf.variable(tf.zeros([3, 2]));
  const conv = tf.variable(tf.zeros([2 * 2 * 1, 2]));
  const b = tf.variable(tf.zeros([2]));
  const parameters: Parameter[] = [
    { name: 'fc.weight', variable: w, torch: { shape: [2, 3], perm: [1, 0] }, trainable: true },
    { name: 'fc.bias', variable: b, trainable: true },
    { name: 'proj.weight', variable: conv, torch: { shape: [2, 1, 2, 2], perm: [2, 3, 1, 0] }, trainable: true },
  ];
  return { w, conv, b, parameters: () => parameters, dispose: () => parameters.forEach((p) => p.variable.dispose()) };
}

const torchDict = () =>
  stateDictFromRecords({
    // Linear [out=2, in=3]
    'fc.weight': { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] },
    'fc.bias': { shape: [2], data: [7, 8] },
    // conv [D=2, C=1, p=2, p=2]: d0 = [[10, 11], [12, 13]], d1 = [[20, 21], [22, 23]]
    'proj.weight': { shape: [2, 1, 2, 2], data: [10, 11, 12, 13, 20, 21, 22, 23] },
  });

describe('loadStateDict / exportStateDict', () => {
  it('converts PyTorch layouts to ours and back', async () => {
    const m = tinyModule();
    expect(loadStateDict(m, torchDict())).toEqual({ missingKeys: [], unexpectedKeys: [] });
    // ours [in, out] = transpose of [out, in]
    expect(await m.w.array()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    // ours row (y, x, c), column d: row 0 = (0,0): [10, 20], row 1 = (0,1): [11, 21], row 2 = (1,0): [12, 22]
    expect(await m.conv.array()).toEqual([
      [10, 20],
      [11, 21],
      [12, 22],
      [13, 23],
    ]);
    const back = await exportStateDict(m, 'backbone.');
    for (const [name, t] of torchDict()) {
      expect(back.get(`backbone.${name}`)!.shape).toEqual(t.shape);
      expect([...back.get(`backbone.${name}`)!.data]).toEqual([...t.data]);
    }
    m.dispose();
  });

  it('reports missing and unexpected keys like PyTorch strict=False, and fails on them when strict', () => {
    const m = tinyModule();
    const dict = torchDict();
    dict.delete('fc.bias');
    dict.set('head.weight', { shape: [1], data: new Float32Array(1) });
    expect(loadStateDict(m, dict, { strict: false })).toEqual({ missingKeys: ['fc.bias'], unexpectedKeys: ['head.weight'] });
    expect(() => loadStateDict(m, dict)).toThrow(/missing keys: "fc.bias"; unexpected keys: "head.weight"/);
    m.dispose();
  });

  it('selects a sub-module with a prefix and renames keys', async () => {
    const m = tinyModule();
    const dict = new Map([...torchDict()].map(([k, v]) => [`module.backbone.${k.replace('fc.', 'linear.')}`, v]));
    dict.set('module.head.x', { shape: [1], data: new Float32Array(1) });
    const result = loadStateDict(m, dict, { prefix: 'module.backbone.', rename: (k) => k.replace('linear.', 'fc.') });
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(await m.b.array()).toEqual([7, 8]);
    m.dispose();
  });

  it('names the key and both shapes of a mis-shaped tensor, and assigns nothing', async () => {
    const m = tinyModule();
    const dict = torchDict();
    dict.set('fc.weight', { shape: [3, 2], data: new Float32Array(6) });
    try {
      loadStateDict(m, dict);
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(SslError);
      expect((e as SslError).code).toBe('STATE_DICT_MISMATCH');
      expect((e as Error).message).toContain('"fc.weight": expected shape [2, 3], got [3, 2]');
    }
    expect(await m.b.array()).toEqual([0, 0]); // fc.bias was fine but nothing is assigned on failure
    m.dispose();
  });

  it('says the element counts when a tensor has the right shape but too few or too many values', async () => {
    const m = tinyModule();
    const dict = torchDict();
    dict.set('fc.weight', { shape: [2, 3], data: new Float32Array(4) });
    dict.set('fc.bias', { shape: [2], data: new Float32Array(3) });
    expect(() => loadStateDict(m, dict)).toThrow(
      'loadStateDict: 2 tensor(s) do not fit: "fc.weight": shape [2, 3] needs 6 values, got 4; "fc.bias": shape [2] needs 2 values, got 3. ' +
        'A tensor whose values do not fill its shape is damaged',
    );
    expect(await m.w.array()).toEqual([[0, 0], [0, 0], [0, 0]]);
    m.dispose();
  });

  it('refuses a state-dict value that is not a tensor, a null module, state dict or options, with SslErrors', () => {
    const m = tinyModule();
    const dict = torchDict() as Map<string, unknown>;
    dict.set('fc.bias', null);
    expect(() => loadStateDict(m, dict as ReturnType<typeof torchDict>)).toThrow(
      expect.objectContaining({ code: 'STATE_DICT_MISMATCH', message: expect.stringContaining('"fc.bias": expected a { shape, data } tensor, got null') }),
    );
    expect(() => loadStateDict(null as never, torchDict())).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('loadStateDict(module): expected a module') }),
    );
    expect(() => loadStateDict(m, null as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('loadStateDict(stateDict): expected a Map of tensors by name, got null') }),
    );
    expect(() => loadStateDict(m, torchDict(), null as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('loadStateDict(options): expected an options object') }),
    );
    m.dispose();
  });

  it('round-trips through safetensors', async () => {
    const m = tinyModule();
    loadStateDict(m, torchDict());
    const bytes = stateDictToSafetensors(await exportStateDict(m));
    const m2 = tinyModule();
    loadStateDict(m2, stateDictFromSafetensors(bytes));
    expect(await m2.conv.array()).toEqual(await m.conv.array());
    m.dispose();
    m2.dispose();
  });
});

describe('transposeHost', () => {
  it('transposes like tf.transpose for any permutation', async () => {
    const shape = [2, 3, 4];
    const data = Float32Array.from({ length: 24 }, (_, i) => i);
    for (const perm of [
      [0, 1, 2],
      [2, 1, 0],
      [1, 2, 0],
      [2, 0, 1],
    ]) {
      const ours = transposeHost({ shape, data }, perm);
      const theirs = tf.transpose(tf.tensor(data, shape), perm);
      expect(ours.shape).toEqual(theirs.shape);
      expect([...ours.data]).toEqual([...(await theirs.data())]);
    }
    expect(() => transposeHost({ shape, data }, [0, 0, 1])).toThrow(/permutation of 0..2/);
  });
});
