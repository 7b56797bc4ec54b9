import { describe, expect, it } from 'vitest';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { imagesToTensor } from './images-to-tensor.js';

describe('imagesToTensor', () => {
  it('makes an NHWC float32 tensor scaled to [0, 1]', () => {
    // 2 images of 1 x 1 x 3: x / 255 -> 0, 1, 51/255 = 0.2, 255/255 = 1, 0, 102/255 = 0.4
    const tensor = imagesToTensor({ images: Uint8Array.of(0, 255, 51, 255, 0, 102), height: 1, width: 1, channels: 3 });
    expect(tensor.shape).toEqual([2, 1, 1, 3]);
    expect(tensor.dtype).toBe('float32');
    expectClose(tensor, [0, 1, 0.2, 1, 0, 0.4], { atol: 1e-7, rtol: 0 });
    tensor.dispose();
  });

  it('leaks nothing beyond the returned tensor', async () => {
    await expectNoLeaks(() => imagesToTensor({ images: new Uint8Array(8), height: 2, width: 2, channels: 1 }), 'imagesToTensor');
  });

  it('rejects bytes that are not whole images', () => {
    expect(() => imagesToTensor({ images: new Uint8Array(5), height: 2, width: 2, channels: 1 })).toThrow(/multiple of/);
  });
});
