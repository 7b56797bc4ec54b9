import { describe, expect, it } from 'vitest';
import { SslError } from '@selfsup/core';
import { resolveGrid } from './grid.js';

describe('resolveGrid', () => {
  it('reads a number as a square grid and keeps { height, width }', () => {
    expect(resolveGrid(14)).toEqual({ height: 14, width: 14 });
    expect(resolveGrid({ height: 3, width: 5 })).toEqual({ height: 3, width: 5 });
  });

  it('rejects a grid of zero size, negative or fractional sides with an SslError naming the argument', () => {
    for (const bad of [0, { height: 0, width: 4 }, { height: 4, width: 0 }, -2, 2.5, { height: 3 }]) {
      let error: unknown;
      try {
        resolveGrid(bad as never, 'masking.sample(grid)');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SslError);
      expect((error as SslError).code).toBe('INVALID_ARGUMENT');
      expect((error as SslError).message).toContain('masking.sample(grid)');
    }
  });
});
