export { resolveGrid, type GridSize, type GridLike } from './grid.js';
export { createTokenMask, checkTokenMask, countMaskedTokens, type TokenMask } from './token-mask.js';
export type { MaskingStrategy, MaskingContext } from './masking-strategy.js';
export type { MaskRatioOptions } from './mask-ratio.js';
export { createBlockMasking, type BlockMaskingOptions } from './block-masking.js';
export { createBeitBlockMasking, type BeitBlockMaskingOptions } from './beit-block-masking.js';
export { createRandPatchMasking, type RandPatchMaskingOptions } from './rand-patch-masking.js';
export {
  createRandomMasking,
  type RandomMasking,
  type RandomMaskingOptions,
  type RandomMaskSample,
  type MaskNoise,
} from './random-masking.js';
export { createSimMimMasking, type SimMimMaskingOptions } from './simmim-masking.js';
export { createBatchMasking, type BatchMaskingOptions } from './batch-masking.js';
export { ATTEMPTS_PER_BLOCK, DEFAULT_ASPECT_RATIO_RANGE } from './block-fill.js';
export { tokenMaskToTensor, tokenMaskToTensor3d, maskedTokenWeightsToTensor } from './token-mask-tensor.js';
export { keepIndicesToTensor, restoreIndicesToTensor, type MaskIndices } from './index-tensors.js';
export { tokenMaskToIndices } from './token-mask-indices.js';
export { tokenMaskStatistics, type TokenMaskStatistics } from './token-mask-statistics.js';
export { renderMaskAscii, type RenderMaskAsciiOptions } from './render-mask-ascii.js';
