export type { IbotViews } from './ibot-views.js';
export {
  createIbotRecipe,
  type IbotRecipe,
  type IbotRecipeOptions,
  type IbotNetwork,
  type IbotOutputs,
  type IbotTargets,
} from './ibot-recipe.js';
