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
