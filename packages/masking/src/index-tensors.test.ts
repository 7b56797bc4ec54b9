import { describe, expect, it } from 'vitest';
import { createRng, SslError } from '@selfsup/core';
import { expectNoLeaks } from '@selfsup/testing';
import { keepIndicesToTensor, restoreIndicesToTensor } from './index-tensors.js';
import { createRandomMasking } from './random-masking.js';

const sample = createRandomMasking({ maskRatio: 0.75 }).sampleWithIndices(2, 4, createRng(0));

describe('keepIndicesToTensor', () => {
  it('gives int32 [batch, keepCount] with the kept patches in shuffle order', async () => {
    // 16 patches at ratio 0.75 -> K = 4
    const t = keepIndicesToTensor(sample);
    expect(t.shape).toEqual([2, 4]);
    expect(t.dtype).toBe('int32');
    expect(Array.from(await t.data())).toEqual(Array.from(sample.keepIndices));
    t.dispose();
    await expectNoLeaks(() => keepIndicesToTensor(sample), 'keepIndicesToTensor');
  });

  it('rejects indices that do not match the sample', () => {
    expect(() => keepIndicesToTensor({ ...sample, keepIndices: new Int32Array(3) })).toThrow(SslError);
    expect(() => keepIndicesToTensor({ ...sample, keepCount: 17 })).toThrow(SslError);
  });
});

describe('restoreIndicesToTensor', () => {
  it('gives int32 [batch, patches]', async () => {
    const t = restoreIndicesToTensor(sample);
    expect(t.shape).toEqual([2, 16]);
    expect(t.dtype).toBe('int32');
    expect(Array.from(await t.data())).toEqual(Array.from(sample.restoreIndices));
    t.dispose();
    await expectNoLeaks(() => restoreIndicesToTensor(sample), 'restoreIndicesToTensor');
    expect(() => restoreIndicesToTensor({ ...sample, restoreIndices: new Int32Array(31) })).toThrow(/32 values/);
  });
});
