import { describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@selfsup/testing';
import { imagesFromBatch } from './images-from-batch.js';

describe('imagesFromBatch', () => {
  it('scales bytes to [0, 1] in NHWC, without leaks', async () => {
    const batch = { images: Uint8Array.from([0, 51, 255, 102]), size: 1, height: 2, width: 2, channels: 1 };
    const images = imagesFromBatch(batch);
    expect(images.shape).toEqual([1, 2, 2, 1]);
    Array.from(await images.data()).forEach((v, i) => expect(v).toBeCloseTo([0, 0.2, 1, 0.4][i]!, 6));
    images.dispose();
    await expectNoLeaks(() => imagesFromBatch(batch), 'imagesFromBatch');
  });
});
