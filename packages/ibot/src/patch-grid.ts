import { SslError } from '@selfsup/core';

/** Patches per side of a `size`-pixel crop; throws `INVALID_CONFIG` naming `key` unless `patchSize` divides it. */
export function patchGrid(size: number, patchSize: number, key: string): number {
  const grid = size / patchSize;
  if (!Number.isInteger(grid)) {
    throw new SslError('INVALID_CONFIG', `${key}: expected a multiple of backbone.patchSize (${patchSize}), got ${size}.`);
  }
  return grid;
}
