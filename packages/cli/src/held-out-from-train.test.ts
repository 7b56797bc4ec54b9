import { describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { loadBundledFashionMnist } from '@selfsup/data/node';
import { loadDatasets } from './load-datasets.js';
import { parseCliConfig } from './parse-cli-config.js';
import { describeHeldOut, heldOutLabel } from './held-out-label.js';

describe('data.heldOut: { from: train, last }', () => {
  it('trains on the first training images and holds out the last ones', async () => {
    const all = await loadBundledFashionMnist('train');
    const data = await loadDatasets({ dataset: 'fashion-mnist-subset', download: false, heldOut: { from: 'train', last: 200 } }, 1);
    expect(data.train.count).toBe(all.count - 200);
    expect(data.heldOut!.count).toBe(200);
    const imageSize = all.height * all.width;
    expect([...data.train.labels]).toEqual([...all.labels.subarray(0, all.count - 200)]);
    expect([...data.heldOut!.labels]).toEqual([...all.labels.subarray(all.count - 200)]);
    expect(data.heldOut!.images).toEqual(all.images.subarray((all.count - 200) * imageSize));
    expect(data.heldOut!.classNames).toEqual(all.classNames);
  });

  it('is a valid config value, and other shapes are refused with the key named', () => {
    const { config } = parseCliConfig({ method: 'ibot', data: { heldOut: { from: 'train', last: 10000 } } }, 'test');
    expect(config.data.heldOut).toEqual({ from: 'train', last: 10000 });
    for (const heldOut of [{ from: 'test', last: 10 }, { from: 'train', last: 0 }, { from: 'train' }, { from: 'train', last: 5, first: 2 }]) {
      expect(() => parseCliConfig({ method: 'ibot', data: { heldOut } }, 'test'), JSON.stringify(heldOut)).toThrow(/data\.heldOut/);
    }
  });

  it('takes run.linearEveryEpochs as a number of epochs, or null (as --set writes it) or nothing for off', () => {
    const parsed = (linear: unknown) => parseCliConfig({ method: 'ibot', run: { linearEveryEpochs: linear } }, 'test').config.run.linearEveryEpochs;
    expect(parsed(0)).toBe(0);
    expect(parsed(null)).toBeNull();
    expect(parseCliConfig({ method: 'ibot' }, 'test').config.run.linearEveryEpochs).toBeUndefined();
    expect(() => parsed(-1)).toThrow(/run\.linearEveryEpochs/);
  });

  it('refuses to hold out every training image (INVALID_CONFIG naming data.heldOut.last and a fix)', async () => {
    const error = await loadDatasets({ dataset: 'fashion-mnist-subset', download: false, heldOut: { from: 'train', last: 1000 } }, 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isSslError(error, 'INVALID_CONFIG')).toBe(true);
    expect((error as Error).message).toMatch(/data\.heldOut\.last: expected fewer than the 1000 training images of fashion-mnist-subset, got 1000\. Hold out part/);
  });

  it('has a short label for metrics and words for messages', () => {
    expect(heldOutLabel({ from: 'train', last: 10000 })).toBe('train-last-10000');
    expect(heldOutLabel('test')).toBe('test');
    expect(describeHeldOut({ from: 'train', last: 10000 })).toBe('the last 10000 training images');
    expect(describeHeldOut('val')).toBe('the val split');
  });
});
