// The config schemas and createBackbone (which validates with them) pull zod: they are in
// `@selfsup/backbones/config`, so a browser bundle of a ViT or a Swin does not carry zod.
export type { BackboneConfig, BackboneConfigInput, VitConfig, SwinConfig } from './backbone-config.js';
export { createVit, type Vit, type VitOptions } from './vit.js';
export { vitLayerIndex } from './vit-layer-index.js';
export { vitTimmModel, vitTimmDescription, vitTimmName, type VitTimmSizes } from './vit-timm.js';
export { createSwin, type Swin, type SwinOptions } from './swin.js';
export { SWIN_PRESETS, type SwinPreset, type SwinPresetName } from './swin-presets.js';
export { planSwinStages, type SwinStage, type SwinStageSizes } from './swin-stages.js';
export { swinGrids, type SwinGrids } from './swin-grids.js';
export { swinLayerIndex, swinTimmModel, swinTimmDescription, swinTimmName, type SwinTimmSizes } from './swin-rules.js';
export { createSwinBlock, type SwinBlock, type SwinBlockOptions } from './swin-block.js';
export { createPatchMerging, type PatchMerging, type PatchMergingOptions } from './patch-merging.js';
export { createWindowAttention, windowAttention, type WindowAttention, type WindowAttentionOptions } from './window-attention.js';
export { relativePositionIndex, shiftedWindowMask, windowPartition, windowReverse, rollSpatial } from './swin-windows.js';
export { VIT_PRESETS, type VitPreset, type VitPresetName } from './vit-presets.js';
export { VIT_MAX_PARAMETERS, vitParameterCount, type VitSizes } from './vit-parameter-count.js';
export { createLinear, linear, type Linear, type LinearOptions } from './linear.js';
export { createLayerNorm, layerNorm, type LayerNorm, type LayerNormOptions } from './layer-norm.js';
export { gelu } from './gelu.js';
export { FUSED_KERNELS, hasFusedKernel, runFusedKernel, type FusedKernelName } from './fused-kernel.js';
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
