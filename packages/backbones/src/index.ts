export { createVit, type Vit, type VitOptions } from './vit.js';
export { vitLayerIndex } from './vit-layer-index.js';
export { vitTimmModel, vitTimmDescription, vitTimmName, type VitTimmSizes } from './vit-timm.js';
export { VIT_PRESETS, type VitPreset, type VitPresetName } from './vit-presets.js';
export { VIT_MAX_PARAMETERS, vitParameterCount, type VitSizes } from './vit-parameter-count.js';
export { createLinear, linear, type Linear, type LinearOptions } from './linear.js';
export { createLayerNorm, layerNorm, type LayerNorm, type LayerNormOptions } from './layer-norm.js';
export { gelu } from './gelu.js';
export { createAttention, type Attention, type AttentionOptions } from './attention.js';
export {
  selfAttention,
  resolveAttentionImpl,
  ATTENTION_IMPL_FLAG,
  type AttentionImpl,
  type SelfAttentionOptions,
} from './self-attention.js';
export { createMlp, type Mlp, type MlpOptions } from './mlp.js';
export {
  createTransformerBlock,
  dropPath,
  type TransformerBlock,
  type TransformerBlockOptions,
  type BlockCallOptions,
} from './transformer-block.js';
export { bicubicMatrix, positionResampleMatrix, resamplePositionEmbedding } from './position-embedding.js';
export { truncatedNormal, uniformValues, makeVariable } from './init.js';
