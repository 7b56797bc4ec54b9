import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@selfsup/testing';
import { evaluationPreprocess } from './evaluation-preprocess.js';

async function expectValues(tensor: tf.Tensor, expected: number[]): Promise<void> {
  const values = Array.from(await tensor.data());
  expect(values).toHaveLength(expected.length);
  values.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
}

describe('evaluationPreprocess', () => {
  it('normalises per channel, without resizing images already at the crop side', async () => {
    // [1, 2, 2, 2], channels last: pixels (0.2, 0.8), (0.7, 0.4), (0.2, 0.8), (0.7, 0.4)
    const images = tf.tensor4d([0.2, 0.8, 0.7, 0.4, 0.2, 0.8, 0.7, 0.4], [1, 2, 2, 2]);
    const preprocess = evaluationPreprocess({ channels: 2, imageSize: 2, mean: [0.2, 0.4], std: [0.5, 0.2] });
    const out = tf.tidy(() => preprocess(images));
    expect(out.shape).toEqual([1, 2, 2, 2]);
    // channel 0: (0.2 - 0.2) / 0.5 = 0, (0.7 - 0.2) / 0.5 = 1; channel 1: (0.8 - 0.4) / 0.2 = 2, (0.4 - 0.4) / 0.2 = 0
    await expectValues(out, [0, 2, 1, 0, 0, 2, 1, 0]);
    tf.dispose([images, out]);
  });

  it('resizes bilinearly with half-pixel centres to the crop side', async () => {
    // [1, 4, 4, 1] with pixel (y, x) = (4y + x) / 16, resized to 2x2: source coordinate (i + 0.5) * 2 - 0.5 =
    // 0.5 or 2.5, so each output pixel is the mean of a 2x2 block: (4 (2i + 0.5) + (2j + 0.5)) / 16
    // = 2.5/16, 4.5/16, 10.5/16, 12.5/16; normalised with mean 0.5, std 0.25: -1.375, -0.875, 0.625, 1.125
    const images = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i / 16), [1, 4, 4, 1]);
    const preprocess = evaluationPreprocess({ channels: 1, imageSize: 2, mean: [0.5], std: [0.25] });
    const out = tf.tidy(() => preprocess(images));
    expect(out.shape).toEqual([1, 2, 2, 1]);
    await expectValues(out, [-1.375, -0.875, 0.625, 1.125]);
    expect(images.isDisposed).toBe(false);
    await expectNoLeaks(() => tf.tidy(() => preprocess(images)), 'evaluationPreprocess in a tidy');
    tf.dispose([images, out]);
  });
});
