import { describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { createImageDataset } from './image-dataset.js';
import { holdOutLast } from './hold-out-last.js';

/** `count` 2 x 3 images whose every pixel is the image's index, labelled `index % 4`. */
function numbered(count: number) {
  const images = new Uint8Array(count * 6);
  for (let i = 0; i < count; i++) images.fill(i, i * 6, (i + 1) * 6);
  return createImageDataset({ images, labels: Array.from({ length: count }, (_, i) => i % 4), height: 2, width: 3, classNames: ['a', 'b', 'c', 'd'] });
}

describe('holdOutLast', () => {
  it('keeps the first images and holds out the last ones, in file order', () => {
    const dataset = numbered(10);
    const { kept, heldOut } = holdOutLast(dataset, 3);
    expect(kept.count).toBe(7);
    expect(heldOut.count).toBe(3);
    expect([...kept.labels]).toEqual([0, 1, 2, 3, 0, 1, 2]);
    expect([...heldOut.labels]).toEqual([3, 0, 1]);
    expect(kept.images.length).toBe(7 * 6);
    expect([...heldOut.images.subarray(0, 6)]).toEqual(Array(6).fill(7));
    expect([...heldOut.images.subarray(12)]).toEqual(Array(6).fill(9));
    expect(heldOut.classNames).toEqual(['a', 'b', 'c', 'd']);
    expect({ height: heldOut.height, width: heldOut.width, channels: heldOut.channels }).toEqual({ height: 2, width: 3, channels: 1 });
  });

  it('shares the bytes of the data set (views, no copies)', () => {
    const dataset = numbered(5);
    const { kept, heldOut } = holdOutLast(dataset, 1);
    expect(kept.images.buffer).toBe(dataset.images.buffer);
    expect(heldOut.labels.buffer).toBe(dataset.labels.buffer);
  });

  it('refuses to hold out nothing, everything or a fraction, naming the argument and a fix', () => {
    const dataset = numbered(5);
    for (const last of [0, 5, 6, 1.5, Number.NaN]) {
      let error: unknown;
      try {
        holdOutLast(dataset, last);
      } catch (caught) {
        error = caught;
      }
      expect(isSslError(error, 'INVALID_ARGUMENT'), String(last)).toBe(true);
      expect((error as Error).message).toContain('holdOutLast(last)');
    }
    expect(() => holdOutLast(dataset, 5)).toThrow(/fewer than the 5 images.*Hold out at most 4/s);
  });
});
