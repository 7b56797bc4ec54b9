import { describe, expect, it } from 'vitest';
import { SslError } from '@selfsup/core';
import { expectNoLeaks } from '@selfsup/testing';
import { createTokenMask } from './token-mask.js';
import { maskedTokenWeightsToTensor, tokenMaskToTensor, tokenMaskToTensor3d } from './token-mask-tensor.js';

// image 0: [1 1 0 / 0 0 0] (2 masked), image 1: [0 0 0 / 0 0 0], image 2: [1 0 1 / 0 1 1] (4 masked)
const mask = createTokenMask(3, { height: 2, width: 3 }, Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 1]));

describe('tokenMaskToTensor', () => {
  it('gives [batch, patches] float32 0/1 in patch order', async () => {
    const t = tokenMaskToTensor(mask);
    expect(t.shape).toEqual([3, 6]);
    expect(t.dtype).toBe('float32');
    expect(Array.from(await t.data())).toEqual(Array.from(mask.data));
    t.dispose();
  });

  it('gives int32 and bool on request', async () => {
    const i = tokenMaskToTensor(mask, 'int32');
    const b = tokenMaskToTensor(mask, 'bool');
    expect([i.dtype, b.dtype]).toEqual(['int32', 'bool']);
    expect(Array.from(await b.data())).toEqual(Array.from(mask.data));
    i.dispose();
    b.dispose();
  });

  it('leaks no tensor and rejects a malformed mask', async () => {
    await expectNoLeaks(() => tokenMaskToTensor(mask), 'tokenMaskToTensor');
    expect(() => tokenMaskToTensor({ ...mask, gridWidth: 2 })).toThrow(SslError);
  });
});

describe('tokenMaskToTensor3d', () => {
  it('gives [batch, height, width]', async () => {
    const t = tokenMaskToTensor3d(mask);
    expect(t.shape).toEqual([3, 2, 3]);
    expect(((await t.array()) as number[][][])[2]).toEqual([
      [1, 0, 1],
      [0, 1, 1],
    ]);
    t.dispose();
    await expectNoLeaks(() => tokenMaskToTensor3d(mask, 'int32'), 'tokenMaskToTensor3d');
  });
});

describe('maskedTokenWeightsToTensor', () => {
  it('weighs each masked patch by 1 / (masked patches of its image), unmasked images 0', async () => {
    // image 0: 2 masked -> 0.5 each; image 1: none -> zeros; image 2: 4 masked -> 0.25 each
    const t = maskedTokenWeightsToTensor(mask);
    expect(Array.from(await t.data())).toEqual([0.5, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.25, 0, 0.25, 0, 0.25, 0.25]);
    t.dispose();
    await expectNoLeaks(() => maskedTokenWeightsToTensor(mask), 'maskedTokenWeightsToTensor');
  });
});
