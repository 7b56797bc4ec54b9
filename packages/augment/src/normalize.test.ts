import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { normalize } from './normalize.js';

describe('normalize', () => {
  it('computes (x - mean[c]) / std[c] per channel', () => {
    // pixel (0.5, 0.5, 0.5) with ImageNet statistics: (0.5 - 0.485)/0.229, (0.5 - 0.456)/0.224, (0.5 - 0.406)/0.225
    const images = tf.tensor4d([0.5, 0.5, 0.5, 1, 0, 0.406], [1, 1, 2, 3]);
    const out = normalize(images, { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    expectClose(out, {
      shape: [1, 1, 2, 3],
      data: [0.015 / 0.229, 0.044 / 0.224, 0.094 / 0.225, 0.515 / 0.229, -0.456 / 0.224, 0],
    }, { atol: 1e-6 });
    tf.dispose([images, out]);
  });

  it('handles one channel (Fashion-MNIST) and leaks nothing', async () => {
    const images = tf.tensor4d([0.286, 0.639], [1, 1, 2, 1]);
    const out = normalize(images, { mean: [0.286], std: [0.353] });
    expectClose(out, { shape: [1, 1, 2, 1], data: [0, 1] }, { atol: 1e-6 });
    await expectNoLeaks(() => normalize(images, { mean: [0.286], std: [0.353] }), 'normalize');
    tf.dispose([images, out]);
  });

  it('rejects a channel-count mismatch and a zero std', () => {
    const images = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    expect(() => normalize(images, { mean: [0.5, 0.5, 0.5], std: [1, 1, 1] })).toThrow(
      /normalize\(options\.mean\): expected 1 finite number\(s\), one per channel, got \[0\.5, 0\.5, 0\.5\]/,
    );
    expect(() => normalize(images, { mean: [0.5], std: [0] })).toThrow(/normalize\(options\.std\): expected 1 finite number\(s\) > 0/);
    images.dispose();
  });
});
