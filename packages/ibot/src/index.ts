export { METHODS } from './methods.js';
export { inputOf, type MethodDefinition, type MethodContext, type NamedFile } from './method-definition.js';
export { methodInputOf, multiCropInput, singleViewInput, type MethodInput } from './method-input.js';
export { describeProblem, type ConfigProblem } from './config-problem.js';
export { vitProblems, swinProblems, backboneProblems, patchMultipleProblems, type BackboneSection, type SwinBackboneSection } from './vit-problems.js';
export { cropProblems, multiCropProblems } from './crop-problems.js';
export { headProblems, type HeadSection } from './head-problems.js';
export { swinMaskGridProblems } from './swin-mask-grid-problems.js';
export type { ImageBatch, Pretraining } from './pretraining.js';
export type { TrainingImageBytes } from './training-image-bytes.js';
export { parseConfig } from './parse-config.js';
export {
  backboneConfigSchema,
  vitBackboneConfigSchema,
  swinBackboneConfigSchema,
  type BackboneConfig,
  type VitBackboneConfig,
  type SwinBackboneConfig,
} from './backbone-config.js';
export { headConfigSchema } from './head-config.js';
export { augmentationConfigSchema, type AugmentationConfig } from './augmentation-config.js';
export { optimizerConfigSchema } from './optimizer-config.js';
export { teacherConfigSchema } from './teacher-config.js';
export { checkIterationsPerEpoch } from './check-iterations-per-epoch.js';
export { checkNormalization } from './check-normalization.js';
export { patchGrid } from './patch-grid.js';
export { imagesFromBatch } from './images-from-batch.js';
export { evaluationPreprocess } from './evaluation-preprocess.js';
export { createMethodBackbone, createBackbone, type MethodBackboneOptions } from './create-backbone.js';
export { createMultiCropFromConfig } from './create-multi-crop-from-config.js';
export { lastLayerGradients } from './last-layer-gradients.js';
// moved to the packages they belong to; still exported here under the same names
export { stackCrops } from '@selfsup/augment';
export { createScheduledAdamW, type ScheduledAdamWSettings, type RunLength } from '@selfsup/optim';
export { mergeModules } from '@selfsup/core';

export { ibotMethod } from './ibot/ibot-method.js';
export type { IbotViews } from './ibot/ibot-views.js';
export {
  createIbotRecipe,
  type IbotRecipe,
  type IbotRecipeOptions,
  type IbotNetwork,
  type IbotOutputs,
  type IbotTargets,
} from './ibot/ibot-recipe.js';
export {
  ibotConfigSchema,
  maskingConfigSchema,
  lossConfigSchema,
  IBOT_FASHION_MNIST_REFERENCE,
  type IbotConfig,
  type IbotConfigInput,
} from './ibot/ibot-config.js';
export { createIbotPretraining, createIbotNetworks, type IbotPretraining } from './ibot/ibot-pretraining.js';
export { ibotTeacherTemperatures } from './ibot/ibot-teacher-temperatures.js';
export { maskRatioProblems } from './ibot/mask-ratio-problems.js';
export { ibotProblems, type IbotRuleSections } from './ibot/ibot-problems.js';

export { dinoMethod } from './dino/dino-method.js';
export {
  createDinoRecipe,
  type DinoRecipe,
  type DinoRecipeOptions,
  type DinoNetwork,
  type DinoViews,
  type DinoOutputs,
  type DinoTargets,
  type Centering,
} from './dino/dino-recipe.js';
export {
  dinoConfigSchema,
  dinoHeadConfigSchema,
  dinoAugmentationConfigSchema,
  dinoLossConfigSchema,
  DINO_FASHION_MNIST_REFERENCE,
  type DinoConfig,
  type DinoConfigInput,
} from './dino/dino-config.js';
export { createDinoPretraining, createDinoNetworks, type DinoPretraining } from './dino/dino-pretraining.js';
export { koleoObjective } from './koleo-objective.js';
export { dinov2Method } from './dinov2/dinov2-method.js';
export { createDinov2StyleRecipe, type Dinov2StyleRecipe, type Dinov2StyleOptions, type Dinov2StyleOutputs } from './dinov2/dinov2-recipe.js';
export {
  dinov2ConfigSchema,
  dinov2OptionsConfigSchema,
  dinov2HeadConfigSchema,
  DINOV2_FASHION_MNIST_REFERENCE,
  type Dinov2Config,
  type Dinov2ConfigInput,
} from './dinov2/dinov2-config.js';
export { createDinov2StylePretraining, type Dinov2StylePretraining } from './dinov2/dinov2-pretraining.js';
export { maeMethod } from './mae/mae-method.js';
export { maeMaskingProblems } from './mae/mae-masking-problems.js';
export { maeDecoderProblems } from './mae/mae-decoder-problems.js';
export { maePositionProblems } from './mae/mae-position-problems.js';
export { reconstructMae, maeViewsFor, type MaeParts, type MaeReconstruction, type ReconstructMaeOptions, type MaeViewsForOptions } from './mae/mae-reconstruction.js';
export { createMaeRecipe, type MaeRecipe, type MaeRecipeOptions, type MaeViews, type MaeOutputs, type MaeTargets } from './mae/mae-recipe.js';
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
} from './mae/mae-config.js';
export { createMaePretraining, maeLearningRateSchedule, type MaePretraining, type MaeLearningRateScheduleOptions } from './mae/mae-pretraining.js';
export { beitMethod } from './beit/beit-method.js';
export { beitTokenizerProblems, type BeitTokenizerSection } from './beit/beit-tokenizer-problems.js';
export { checkTokenizerImages, type Tokenizer } from './beit/tokenizer.js';
export {
  createKmeansTokenizer,
  fitKmeansTokenizer,
  type KmeansTokenizer,
  type KmeansTokenizerOptions,
  type FitKmeansTokenizerOptions,
} from './beit/kmeans-tokenizer.js';
export { createFrozenTeacherTokenizer, type FrozenTeacherTokenizer, type FrozenTeacherTokenizerOptions } from './beit/frozen-teacher-tokenizer.js';
export { createDvaeTokenizer, type DvaeTokenizer, type DvaeTokenizerOptions } from './beit/dvae-tokenizer.js';
export { createBeitRecipe, type BeitRecipe, type BeitRecipeOptions, type BeitViews, type BeitOutputs, type BeitTargets } from './beit/beit-recipe.js';
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
} from './beit/beit-config.js';
export { createBeitTokenizer, beitVocabularySize, type BeitTokenizerSources } from './beit/beit-tokenizer.js';
export { createBeitPretraining, type BeitPretraining, type BeitPretrainingOptions } from './beit/beit-pretraining.js';
