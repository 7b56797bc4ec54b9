import { createMultiCrop, smallGrayscalePreset, type MultiCrop } from '@selfsup/augment';
import type { AugmentationConfig } from './augmentation-config.js';

/**
 * The multi-crop augmentation of a configuration: DINO's transforms sized for small grayscale
 * images, with the photometric probabilities and strengths of the section (a transform with
 * probability 0 is left out and draws nothing).
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
      flipProbability: a.flipProbability,
      colorJitter: a.colorJitter,
      grayscaleProbability: a.grayscaleProbability,
      blur: a.blur,
      blurRadius: a.blurRadius,
      solarizeProbability: a.solarizeProbability,
    }),
  );
}
