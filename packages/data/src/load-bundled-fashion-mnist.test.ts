import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_CLASS_NAMES } from './class-names.js';
import { loadBundledFashionMnist } from './load-bundled-fashion-mnist.js';

describe('loadBundledFashionMnist', () => {
  it('gives 1000 training and 500 test images, class-balanced, 28 x 28 grayscale', async () => {
    for (const [split, perClass] of [['train', 100], ['test', 50]] as const) {
      const dataset = await loadBundledFashionMnist(split);
      expect([dataset.count, dataset.height, dataset.width, dataset.channels]).toEqual([perClass * 10, 28, 28, 1]);
      expect(dataset.classNames).toEqual(FASHION_MNIST_CLASS_NAMES);
      const counts = new Array(10).fill(0);
      for (const label of dataset.labels) counts[label]++;
      expect(counts).toEqual(new Array(10).fill(perClass));
      // real images: not blank, using the whole range of intensities
      let max = 0;
      let sum = 0;
      for (const v of dataset.images) {
        sum += v;
        if (v > max) max = v;
      }
      expect(max).toBe(255);
      expect(sum / dataset.images.length).toBeGreaterThan(30);
    }
  });

  it('rejects an unknown split', async () => {
    await expect(loadBundledFashionMnist('val' as 'train')).rejects.toThrow(/"train" or "test"/);
  });
});
