import { describe, expect, it } from 'vitest';
import { SslError } from '@selfsup/core';
import { patchGrid } from './patch-grid.js';

describe('patchGrid', () => {
  it('gives the patches per side and refuses sizes the patch does not divide', () => {
    expect(patchGrid(28, 4, 'augmentation.size')).toBe(7);
    expect(() => patchGrid(30, 4, 'augmentation.size')).toThrow(SslError);
    expect(() => patchGrid(30, 4, 'augmentation.size')).toThrow(/augmentation\.size: expected a multiple of backbone\.patchSize \(4\), got 30/);
  });
});
