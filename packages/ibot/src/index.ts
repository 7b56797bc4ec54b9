export type { IbotViews } from './ibot-views.js';
export {
  createIbotRecipe,
  type IbotRecipe,
  type IbotRecipeOptions,
  type IbotNetwork,
  type IbotOutputs,
  type IbotTargets,
} from './ibot-recipe.js';
export {
  ibotConfigSchema,
  backboneConfigSchema,
  headConfigSchema,
  augmentationConfigSchema,
  maskingConfigSchema,
  lossConfigSchema,
  optimizerConfigSchema,
  teacherConfigSchema,
  IBOT_FASHION_MNIST_REFERENCE,
  type IbotConfig,
  type IbotConfigInput,
} from './ibot-config.js';
export { createIbotPretraining, createIbotNetworks, type IbotPretraining } from './ibot-pretraining.js';
export type { ImageBatch, Pretraining } from './pretraining.js';
export { parseConfig } from './parse-config.js';
export {
  checkIterationsPerEpoch,
  checkNormalization,
  patchGrid,
  imagesFromBatch,
  createBackbone,
  createMultiCropFromConfig,
  stackCrops,
  createScheduledAdamW,
  lastLayerGradients,
  ibotTeacherTemperatures,
  mergeModules,
  type BackboneConfig,
  type AugmentationConfig,
  type ScheduledAdamWSettings,
  type RunLength,
} from './pretraining-parts.js';
export {
  createDinoRecipe,
  type DinoRecipe,
  type DinoRecipeOptions,
  type DinoNetwork,
  type DinoViews,
  type DinoOutputs,
  type DinoTargets,
  type Centering,
} from './dino-recipe.js';
export {
  dinoConfigSchema,
  dinoHeadConfigSchema,
  dinoAugmentationConfigSchema,
  dinoLossConfigSchema,
  DINO_FASHION_MNIST_REFERENCE,
  type DinoConfig,
  type DinoConfigInput,
} from './dino-config.js';
export { createDinoPretraining, createDinoNetworks, type DinoPretraining } from './dino-pretraining.js';
export { koleoObjective } from './dinov2-koleo-objective.js';
export { createDinov2StyleRecipe, type Dinov2StyleRecipe, type Dinov2StyleOptions, type Dinov2StyleOutputs } from './dinov2-recipe.js';
export {
  dinov2ConfigSchema,
  dinov2OptionsConfigSchema,
  dinov2HeadConfigSchema,
  DINOV2_FASHION_MNIST_REFERENCE,
  type Dinov2Config,
  type Dinov2ConfigInput,
} from './dinov2-config.js';
export { createDinov2StylePretraining, type Dinov2StylePretraining } from './dinov2-pretraining.js';
export { createMaeRecipe, type MaeRecipe, type MaeRecipeOptions, type MaeViews, type MaeOutputs, type MaeTargets } from './mae-recipe.js';
export {
  maeConfigSchema,
  maeBackboneConfigSchema,
  maeDecoderConfigSchema,
  maeAugmentationConfigSchema,
  maeMaskingConfigSchema,
  maeLossConfigSchema,
  maeOptimizerConfigSchema,
  MAE_FASHION_MNIST_REFERENCE,
  type MaeConfig,
  type MaeConfigInput,
} from './mae-config.js';
export { createMaePretraining, maeLearningRateSchedule, type MaePretraining, type MaeLearningRateScheduleOptions } from './mae-pretraining.js';
export { checkTokenizerImages, type Tokenizer } from './tokenizer.js';
export {
  createKmeansTokenizer,
  fitKmeansTokenizer,
  type KmeansTokenizer,
  type KmeansTokenizerOptions,
  type FitKmeansTokenizerOptions,
} from './kmeans-tokenizer.js';
export { createFrozenTeacherTokenizer, type FrozenTeacherTokenizer, type FrozenTeacherTokenizerOptions } from './frozen-teacher-tokenizer.js';
export { createDvaeTokenizer, type DvaeTokenizer, type DvaeTokenizerOptions } from './dvae-tokenizer.js';
export { createBeitRecipe, type BeitRecipe, type BeitRecipeOptions, type BeitViews, type BeitOutputs, type BeitTargets } from './beit-recipe.js';
export {
  beitConfigSchema,
  beitBackboneConfigSchema,
  beitAugmentationConfigSchema,
  beitMaskingConfigSchema,
  beitTokenizerConfigSchema,
  kmeansTokenizerConfigSchema,
  dvaeTokenizerConfigSchema,
  teacherTokenizerConfigSchema,
  beitOptimizerConfigSchema,
  BEIT_FASHION_MNIST_REFERENCE,
  type BeitConfig,
  type BeitConfigInput,
} from './beit-config.js';
export { createBeitTokenizer, beitVocabularySize, type BeitTokenizerSources, type TrainingImageBytes } from './beit-tokenizer.js';
export { createBeitPretraining, type BeitPretraining, type BeitPretrainingOptions } from './beit-pretraining.js';
