import { describe, expect, it } from 'vitest';
import { methodInputOf, multiCropInput, singleViewInput } from './method-input.js';

describe('method inputs', () => {
  it('methodInputOf reads the backbone input of multi-crop and single-view configurations', () => {
    expect(methodInputOf({ backbone: { inChannels: 1, imageSize: 32 }, augmentation: { globalSize: 28, mean: [0.5], std: [0.25] } })).toEqual({
      channels: 1,
      imageSize: 28,
      mean: [0.5],
      std: [0.25],
    });
    expect(methodInputOf({ backbone: { inChannels: 3 }, augmentation: { size: 24 } })).toEqual({ channels: 3, imageSize: 24, mean: [0, 0, 0], std: [1, 1, 1] });
    expect(methodInputOf({ backbone: { imageSize: 32 } })).toEqual({ channels: 3, imageSize: 32, mean: [0, 0, 0], std: [1, 1, 1] });
  });

  it('multiCropInput and singleViewInput read the crop that is encoded', () => {
    const backbone = { inChannels: 1, imageSize: 32 };
    expect(multiCropInput({ backbone, augmentation: { globalSize: 28, mean: [0.5], std: [0.25] } })).toEqual({ channels: 1, imageSize: 28, mean: [0.5], std: [0.25] });
    expect(singleViewInput({ backbone, augmentation: { size: 24, mean: [0.5], std: [0.25] } })).toEqual({ channels: 1, imageSize: 24, mean: [0.5], std: [0.25] });
  });
});
