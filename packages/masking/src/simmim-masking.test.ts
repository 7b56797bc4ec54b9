import { describe, expect, it } from 'vitest';
import { createRng, SslError } from '@selfsup/core';
import { createSimMimMasking } from './simmim-masking.js';
import { countMaskedTokens } from './token-mask.js';

describe('createSimMimMasking', () => {
  it('masks ceil(ratio * mask patches) mask patches, each covering scale x scale tokens', () => {
    // 192 px, patch 16, mask patch 32: token grid 12x12, scale 2, 6x6 = 36 mask patches,
    // ceil(0.6 * 36) = ceil(21.6) = 22 masked -> 22 * 4 = 88 masked tokens per image
    const mask = createSimMimMasking({ maskRatio: 0.6, maskPatchSize: 32, patchSize: 16 }).sample(3, 12, createRng(0));
    expect(Array.from(countMaskedTokens(mask))).toEqual([88, 88, 88]);
    for (let b = 0; b < 3; b++) {
      for (let i = 0; i < 12; i += 2) {
        for (let j = 0; j < 12; j += 2) {
          const at = (di: number, dj: number) => mask.data[b * 144 + (i + di) * 12 + j + dj];
          expect([at(0, 1), at(1, 0), at(1, 1)]).toEqual([at(0, 0), at(0, 0), at(0, 0)]);
        }
      }
    }
  });

  it("upsamples by SimMIM's Swin factor 8 (mask patch 32, patch 4) on a rectangular grid", () => {
    // grid 16x8 -> 2x1 mask patches; ratio 0.5 -> ceil(1) = 1 masked -> 64 tokens, a whole half
    const mask = createSimMimMasking({ maskRatio: 0.5, maskPatchSize: 32, patchSize: 4 }).sample(1, { height: 16, width: 8 }, createRng(1));
    const top = mask.data.subarray(0, 64);
    const bottom = mask.data.subarray(64);
    expect(new Set(top).size).toBe(1);
    expect(new Set(bottom).size).toBe(1);
    expect(top[0]! + bottom[0]!).toBe(1);
  });

  it('rejects a mask patch size that is not a multiple of the patch size, and grids it does not tile', () => {
    expect(() => createSimMimMasking({ maskPatchSize: 24, patchSize: 16 })).toThrow(/a multiple of patchSize \(16\)/);
    expect(() => createSimMimMasking({ maskPatchSize: 24, patchSize: 16 })).toThrow(SslError);
    expect(() => createSimMimMasking({ maskRatio: -0.1 })).toThrow(SslError);
    expect(() => createSimMimMasking().sample(1, 7, createRng(0))).toThrow(/divisible by maskPatchSize \/ patchSize = 2/);
  });

  it('is reproducible for a seed', () => {
    const masking = createSimMimMasking();
    expect(masking.sample(4, 12, createRng(2)).data).toEqual(masking.sample(4, 12, createRng(2)).data);
    expect(masking.sample(4, 12, createRng(2)).data).not.toEqual(masking.sample(4, 12, createRng(3)).data);
  });
});
