export { sampleCropBoxes, roundHalfEven, DEFAULT_CROP_SCALE, DEFAULT_CROP_RATIO, type CropBoxes, type CropBoxOptions } from './crop-boxes.js';
export { applyResizedCrop, randomResizedCrop, type ResizeOptions, type RandomResizedCropOptions } from './resized-crop.js';
export type { Interpolation } from './resize-weights.js';
export { applyHorizontalFlip, horizontalFlip, type HorizontalFlipOptions } from './horizontal-flip.js';
export {
  applyColorJitter,
  colorJitter,
  sampleColorJitter,
  type ColorJitterOptions,
  type ColorJitterParams,
} from './color-jitter.js';
export { applyGrayscale, randomGrayscale, LUMA_WEIGHTS, type RandomGrayscaleOptions } from './grayscale.js';
export {
  applyGaussianBlur,
  gaussianBlur,
  sampleBlurRadii,
  boxBlurRadius,
  type GaussianBlurOptions,
} from './gaussian-blur.js';
export { applySolarize, solarize, SOLARIZE_THRESHOLD, type SolarizeOptions, type SolarizeThresholdOptions } from './solarize.js';
export { normalize, type NormalizeOptions } from './normalize.js';
export {
  createMultiCrop,
  type MultiCrop,
  type MultiCropOptions,
  type MultiCropViews,
  type ViewOptions,
  type ResolvedViewOptions,
} from './multi-crop.js';
export { stackCrops } from './stack-crops.js';
export {
  ibotAugmentation,
  dinoAugmentation,
  maeAugmentation,
  smallGrayscalePreset,
  IMAGENET_MEAN,
  IMAGENET_STD,
  FASHION_MNIST_MEAN,
  FASHION_MNIST_STD,
  DINO_COLOR_JITTER,
  DINO_BLUR_PROBABILITIES,
  type MultiCropPresetOptions,
  type PresetBlurProbabilities,
  type MaeAugmentationOptions,
} from './presets.js';
export type { Range } from './validate.js';
