import { describe, expect, it } from 'vitest';
import { SslError } from '@selfsup/core';
import { expectClose, expectNoLeaks, loadFixture, maxAbsDiff, type FixtureTensor } from '@selfsup/testing';
import { sinCosPositionEmbedding } from './sin-cos-position-embedding.js';

interface SinCosCase {
  embed_dim: number;
  grid_size: number;
  cls_token: boolean;
  value: FixtureTensor;
}

const fixture = loadFixture<{ sincos_pos_embed: SinCosCase[] }>('mae.json');

describe('sinCosPositionEmbedding', () => {
  for (const c of fixture.sincos_pos_embed) {
    it(`matches MAE's get_2d_sincos_pos_embed(${c.embed_dim}, ${c.grid_size}, cls_token=${c.cls_token})`, () => {
      const table = sinCosPositionEmbedding(c.embed_dim, c.grid_size, { classToken: c.cls_token });
      // values are sines and cosines in [-1, 1]: atol 1e-6 covers float32 rounding of the zeros
      expectClose(table, c.value, { rtol: 1e-5, atol: 1e-6 });
      expect(maxAbsDiff(table, c.value)).toBeLessThan(1e-6);
      table.dispose();
    });
  }

  it('encodes the column in the first half and the row in the second (hand-derived 4-wide table)', () => {
    // dim 4: one frequency (1); row of patch (y, x) = [sin x, cos x, sin y, cos y]
    const table = sinCosPositionEmbedding(4, [2, 3]);
    const s1 = Math.sin(1);
    const c1 = Math.cos(1);
    const s2 = Math.sin(2);
    const c2 = Math.cos(2);
    // prettier-ignore
    expectClose(table, [
      0, 1, 0, 1,    s1, c1, 0, 1,    s2, c2, 0, 1,  // y = 0, x = 0, 1, 2
      0, 1, s1, c1,  s1, c1, s1, c1,  s2, c2, s1, c1, // y = 1
    ], { rtol: 1e-6, atol: 1e-7 });
    table.dispose();
  });

  it('rejects a width that is not a multiple of 4', () => {
    expect(() => sinCosPositionEmbedding(6, 2)).toThrow(SslError);
    expect(() => sinCosPositionEmbedding(6, 2)).toThrow(/multiple of 4/);
  });

  it('leaks no tensor', async () => {
    await expectNoLeaks(() => sinCosPositionEmbedding(8, 3, { classToken: true }));
  });
});
