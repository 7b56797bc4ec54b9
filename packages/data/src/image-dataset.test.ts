import { describe, expect, it } from 'vitest';
import { createImageDataset, selectImages } from './image-dataset.js';

describe('createImageDataset', () => {
  it('checks sizes and fills in class names', () => {
    const dataset = createImageDataset({ images: new Uint8Array(2 * 2 * 3 * 1), labels: [0, 2], height: 2, width: 3 });
    expect(dataset.count).toBe(2);
    expect(dataset.channels).toBe(1);
    expect(dataset.labels).toBeInstanceOf(Int32Array);
    expect(dataset.classNames).toEqual(['0', '1', '2']);
  });

  it('refuses null or missing options with INVALID_ARGUMENT, not a TypeError', () => {
    for (const options of [null, undefined, 3]) {
      expect(() => createImageDataset(options as never)).toThrow(
        expect.objectContaining({ name: 'SslError', code: 'INVALID_ARGUMENT', message: expect.stringContaining('createImageDataset(options): expected an options object') }),
      );
    }
  });

  it('rejects a size mismatch and labels beyond the classes', () => {
    expect(() => createImageDataset({ images: new Uint8Array(5), labels: [0], height: 2, width: 2 })).toThrow(/4 bytes/);
    expect(() => createImageDataset({ images: new Uint8Array(4), labels: [3], height: 2, width: 2, classNames: ['a', 'b'] })).toThrow(/below 2/);
    expect(() => createImageDataset({ images: new Uint8Array(4), labels: [-1], height: 2, width: 2 })).toThrow(/labels\[0\]/);
    // not integers: refused, not truncated (1.9 -> 1, NaN -> 0) by the Int32Array copy
    expect(() => createImageDataset({ images: new Uint8Array(8), labels: [0, 1.9], height: 2, width: 2 })).toThrow(/labels\[1\]\): expected an integer class index >= 0, got 1\.9/);
    expect(() => createImageDataset({ images: new Uint8Array(4), labels: [Number.NaN], height: 2, width: 2 })).toThrow(/labels\[0\].*got NaN/);
    expect(() => createImageDataset({ images: new Uint8Array(4), labels: ['1'] as unknown as number[], height: 2, width: 2 })).toThrow(/labels\[0\]/);
  });
});

describe('selectImages', () => {
  it('copies the chosen images and labels in order', () => {
    const dataset = createImageDataset({ images: Uint8Array.of(10, 11, 20, 21, 30, 31), labels: [0, 1, 2], height: 1, width: 2 });
    const subset = selectImages(dataset, [2, 0]);
    expect([...subset.images]).toEqual([30, 31, 10, 11]);
    expect([...subset.labels]).toEqual([2, 0]);
    expect(subset.count).toBe(2);
    expect(() => selectImages(dataset, [3])).toThrow(/indices\[0\]/);
  });
});
