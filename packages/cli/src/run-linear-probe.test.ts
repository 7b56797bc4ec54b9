import { describe, expect, it } from 'vitest';
import { isSslError, type Backbone } from '@selfsup/core';
import { createImageDataset } from '@selfsup/data';
import { runLinearProbe } from './run-linear-probe.js';

const images = (count: number) => createImageDataset({ images: new Uint8Array(count * 4), labels: Int32Array.from({ length: count }, (_, i) => i % 2), height: 2, width: 2, channels: 1 });

describe('runLinearProbe', () => {
  it('refuses fewer than 3 training images before reading a feature, saying why', async () => {
    // a backbone that must not be called: the refusal comes first
    const backbone = new Proxy({}, { get: () => { throw new Error('the backbone was used'); } }) as Backbone;
    const input = { channels: 1, imageSize: 2, mean: [0], std: [1] } as never;
    const error = await runLinearProbe(backbone, images(2), images(2), { input }).catch((e: unknown) => e);
    expect(isSslError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toMatch(/^linear probe: expected at least 3 training images \(a fifth of them choose the learning rate\), got 2\./);
  });
});
