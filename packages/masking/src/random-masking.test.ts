import { describe, expect, it } from 'vitest';
import { createRng, SslError } from '@selfsup/core';
import { loadFixture, type FixtureTensor } from '@selfsup/testing';
import { createRandomMasking } from './random-masking.js';
import { countMaskedTokens } from './token-mask.js';

interface MaeCase {
  mask_ratio: number;
  noise: FixtureTensor;
  ids_restore: number[][] | FixtureTensor;
  mask: FixtureTensor;
  x_masked: FixtureTensor;
}
interface MaeFixture {
  images: FixtureTensor; // [B, C, H, W]
  patch_size: number;
  tokens: FixtureTensor; // [B, N, D]
  cases: MaeCase[];
}

const fixture = loadFixture<MaeFixture>('mae.json');
const [batchSize, , imageHeight, imageWidth] = fixture.images.shape as [number, number, number, number];
const grid = { height: imageHeight / fixture.patch_size, width: imageWidth / fixture.patch_size };
const tokens = grid.height * grid.width;

function flat(x: number[][] | FixtureTensor): number[] {
  return Array.isArray(x) ? x.flat() : x.data;
}

describe('createRandomMasking: parity with MAE random_masking (mae.json)', () => {
  for (const c of fixture.cases) {
    it(`reproduces ids_restore, ids_keep, the mask and x_masked for mask ratio ${c.mask_ratio}`, () => {
      const masking = createRandomMasking({ maskRatio: c.mask_ratio });
      const sample = masking.sampleWithIndices(batchSize, grid, { noise: Float32Array.from(c.noise.data) });
      const keepCount = Math.floor(tokens * (1 - c.mask_ratio));
      expect(sample.keepCount).toBe(keepCount);
      expect(Array.from(sample.restoreIndices)).toEqual(flat(c.ids_restore));
      expect(Array.from(sample.mask.data)).toEqual(c.mask.data);
      expect(c.x_masked.shape).toEqual([batchSize, keepCount, fixture.tokens.shape[2]]);

      // ids_shuffle is the inverse permutation of the fixture's ids_restore; ids_keep its first K
      const restore = flat(c.ids_restore);
      for (let b = 0; b < batchSize; b++) {
        const shuffle = new Array<number>(tokens);
        for (let i = 0; i < tokens; i++) shuffle[restore[b * tokens + i]!] = i;
        expect(Array.from(sample.keepIndices.subarray(b * keepCount, (b + 1) * keepCount))).toEqual(shuffle.slice(0, keepCount));
      }

      // gathering the fixture's tokens with our keepIndices gives MAE's x_masked exactly
      const dim = fixture.tokens.shape[2]!;
      const gathered: number[] = [];
      for (let b = 0; b < batchSize; b++) {
        for (let k = 0; k < keepCount; k++) {
          const patch = sample.keepIndices[b * keepCount + k]!;
          const start = (b * tokens + patch) * dim;
          gathered.push(...fixture.tokens.data.slice(start, start + dim));
        }
      }
      expect(gathered).toEqual(c.x_masked.data);
    });
  }
});

describe('createRandomMasking', () => {
  it('orders by noise with a stable argsort: hand-worked example', () => {
    // noise [0.5, 0.1, 0.9, 0.1]: ascending with ties by index -> shuffle [1, 3, 0, 2]
    // ratio 0.5: K = floor(4 * 0.5) = 2 -> keep [1, 3]; restore = inverse of shuffle = [2, 0, 3, 1]
    // mask: 1 on removed patches 0 and 2 -> [1, 0, 1, 0]
    const sample = createRandomMasking({ maskRatio: 0.5 }).sampleWithIndices(1, { height: 2, width: 2 }, {
      noise: [0.5, 0.1, 0.9, 0.1],
    });
    expect(Array.from(sample.shuffleIndices)).toEqual([1, 3, 0, 2]);
    expect(Array.from(sample.keepIndices)).toEqual([1, 3]);
    expect(Array.from(sample.restoreIndices)).toEqual([2, 0, 3, 1]);
    expect(Array.from(sample.mask.data)).toEqual([1, 0, 1, 0]);
  });

  it('keeps int(N * (1 - ratio)) patches: 49 of 196 at 0.75, and 0.7 of 10 keeps 3', () => {
    const sample = createRandomMasking().sampleWithIndices(3, 14, createRng(0));
    expect(sample.keepCount).toBe(49);
    expect(Array.from(countMaskedTokens(sample.mask))).toEqual([147, 147, 147]);
    // 10 * (1 - 0.7) = 3.0000000000000004 in floating point -> 3, as Python's int() gives
    expect(createRandomMasking({ maskRatio: 0.7 }).sampleWithIndices(1, { height: 2, width: 5 }, createRng(0)).keepCount).toBe(3);
  });

  it('returns consistent indices: restore inverts shuffle, kept patches are unmasked', () => {
    const sample = createRandomMasking({ maskRatio: 0.6 }).sampleWithIndices(4, { height: 3, width: 5 }, createRng(8));
    const n = 15;
    for (let b = 0; b < 4; b++) {
      for (let rank = 0; rank < n; rank++) expect(sample.restoreIndices[b * n + sample.shuffleIndices[b * n + rank]!]).toBe(rank);
      for (let k = 0; k < sample.keepCount; k++) expect(sample.mask.data[b * n + sample.keepIndices[b * sample.keepCount + k]!]).toBe(0);
    }
  });

  it('sample() gives the mask of sampleWithIndices() for the same seed; seeds differ', () => {
    const masking = createRandomMasking();
    const a = masking.sample(4, 14, createRng(2));
    expect(a.data).toEqual(masking.sampleWithIndices(4, 14, createRng(2)).mask.data);
    expect(masking.sample(4, 14, createRng(3)).data).not.toEqual(a.data);
  });

  it('rejects bad ratios, noise of the wrong length or with NaN, and a missing rng', () => {
    expect(() => createRandomMasking({ maskRatio: 1.01 })).toThrow(SslError);
    const masking = createRandomMasking({ maskRatio: 0.5 });
    try {
      masking.sampleWithIndices(2, 2, { noise: new Float32Array(7) });
      expect.unreachable();
    } catch (e) {
      expect((e as SslError).code).toBe('SHAPE_MISMATCH');
      expect((e as SslError).message).toContain('8 values');
    }
    expect(() => masking.sampleWithIndices(1, 2, { noise: [0, Number.NaN, 0, 0] })).toThrow(/noise\[1\]/);
    expect(() => masking.sample(1, 2, undefined as never)).toThrow(/Rng/);
  });
});
