import { describe, expect, it } from 'vitest';
import { SslError } from '@selfsup/core';
import { checkTokenMask, countMaskedTokens, createTokenMask } from './token-mask.js';

describe('createTokenMask', () => {
  it('makes an all-visible mask of batchSize * height * width bytes', () => {
    const mask = createTokenMask(2, { height: 2, width: 3 });
    expect(mask).toMatchObject({ batchSize: 2, gridHeight: 2, gridWidth: 3 });
    expect(mask.data).toEqual(new Uint8Array(12));
  });

  it('wraps given 0/1 data without copying', () => {
    const data = Uint8Array.from([1, 0, 0, 1]);
    expect(createTokenMask(1, 2, data).data).toBe(data);
  });

  it('rejects data of the wrong length or with values other than 0/1', () => {
    expect(() => createTokenMask(1, 2, new Uint8Array(3))).toThrow(SslError);
    expect(() => createTokenMask(1, 2, new Uint8Array(3))).toThrow(/4 values/);
    expect(() => createTokenMask(1, 2, Uint8Array.from([0, 2, 0, 0]))).toThrow(/data\[1\]/);
    expect(() => createTokenMask(0, 2)).toThrow(SslError);
  });
});

describe('checkTokenMask', () => {
  it('rejects non-Uint8Array data and reports SHAPE_MISMATCH for a wrong length', () => {
    expect(() =>
      checkTokenMask({ batchSize: 1, gridHeight: 1, gridWidth: 2, data: [0, 1] as unknown as Uint8Array }),
    ).toThrow(/Uint8Array/);
    try {
      checkTokenMask({ batchSize: 2, gridHeight: 1, gridWidth: 2, data: new Uint8Array(2) }, 'loss(mask)');
      expect.unreachable();
    } catch (e) {
      expect((e as SslError).code).toBe('SHAPE_MISMATCH');
      expect((e as SslError).message).toContain('loss(mask).data');
    }
  });
});

describe('countMaskedTokens', () => {
  it('counts the 1s of each image', () => {
    // image 0: [1 1 0 / 0 0 1] -> 3; image 1: all 0 -> 0
    const mask = createTokenMask(2, { height: 2, width: 3 }, Uint8Array.from([1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
    expect(Array.from(countMaskedTokens(mask))).toEqual([3, 0]);
  });
});
