import { describe, expect, it } from 'vitest';
import { SslError } from '@selfsup/core';
import { createTokenMask } from './token-mask.js';
import { tokenMaskToIndices } from './token-mask-indices.js';

describe('tokenMaskToIndices', () => {
  it('keeps visible patches in position order, masked ones after: hand-worked example', () => {
    // image 0: [0 1 / 1 0] -> kept [0, 3], shuffle [0, 3, 1, 2], restore [0, 2, 3, 1]
    // image 1: [1 0 / 0 1] -> kept [1, 2], shuffle [1, 2, 0, 3], restore [2, 0, 1, 3]
    const mask = createTokenMask(2, 2, Uint8Array.from([0, 1, 1, 0, 1, 0, 0, 1]));
    const result = tokenMaskToIndices(mask);
    expect(result.keepCount).toBe(2);
    expect(Array.from(result.keepIndices)).toEqual([0, 3, 1, 2]);
    expect(Array.from(result.shuffleIndices)).toEqual([0, 3, 1, 2, 1, 2, 0, 3]);
    expect(Array.from(result.restoreIndices)).toEqual([0, 2, 3, 1, 2, 0, 1, 3]);
    expect(Array.from(result.mask.data)).toEqual(Array.from(mask.data));
  });

  it('rejects masks with different counts per image', () => {
    const mask = createTokenMask(2, 2, Uint8Array.from([1, 0, 0, 0, 1, 1, 0, 0]));
    expect(() => tokenMaskToIndices(mask)).toThrow(SslError);
    expect(() => tokenMaskToIndices(mask)).toThrow(/2 visible patches in image 1/);
  });
});
