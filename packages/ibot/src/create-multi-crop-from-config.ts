import { createMultiCrop, smallGrayscalePreset, type MultiCrop } from '@selfsup/augment';
import type { AugmentationConfig } from './augmentation-config.js';

/**
 * The multi-crop augmentation of a configuration (DINO's transforms, sized for small grayscale images).
 *
 * @example
 * ```ts
 * const multiCrop = createMultiCropFromConfig(config.augmentation);
 * const { global, local } = stackCrops(multiCrop.views(imagesFromBatch(batch), rng));
 * ```
 */
export function createMultiCropFromConfig(a: AugmentationConfig): MultiCrop {
  return createMultiCrop(
    smallGrayscalePreset({
      imageSize: a.globalSize,
      localSize: a.localSize,
      globalCrops: a.globalCrops,
      localCrops: a.localCrops,
      globalScale: a.globalScale,
      localScale: a.localScale,
      mean: a.mean,
      std: a.std,
    }),
  );
}
