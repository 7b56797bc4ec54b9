import type { TimmDescription } from '@selfsup/core';

/** The sizes of a ViT that decide how timm knows it (a `Vit`'s `config` is one). */
export interface VitTimmSizes {
  readonly imageSize: readonly [number, number];
  readonly patchSize: number;
  readonly inChannels: number;
  readonly embedDim: number;
  readonly depth: number;
  readonly headCount: number;
  readonly mlpRatio: number;
  readonly qkvBias: boolean;
  readonly layerNormEps: number;
  readonly layerScaleInit: number;
}

const TIMM_VIT_FAMILIES: readonly { name: string; embedDim: number; depth: number; headCount: number; patches: readonly number[] }[] = [
  { name: 'tiny', embedDim: 192, depth: 12, headCount: 3, patches: [16] },
  { name: 'small', embedDim: 384, depth: 12, headCount: 6, patches: [32, 16, 8] },
  { name: 'base', embedDim: 768, depth: 12, headCount: 12, patches: [32, 16, 8] },
  { name: 'large', embedDim: 1024, depth: 24, headCount: 16, patches: [32, 16, 14] },
];

/**
 * The registered timm ViT with this architecture (`vit_small_patch16_224`), when there is one:
 * the width, depth and heads of ViT-Tiny/Small/Base/Large with a patch size timm registers for
 * it, MLP ratio 4, qkv bias and LayerNorm eps 1e-6. Another image size or channel count is then a
 * keyword (`img_size=28, in_chans=1`), except that the 384 variant is named for 384-pixel images.
 */
export function vitTimmModel(vit: VitTimmSizes): string | undefined {
  if (vit.mlpRatio !== 4 || !vit.qkvBias || Math.abs(vit.layerNormEps - 1e-6) > 1e-12) return undefined;
  const family = TIMM_VIT_FAMILIES.find((f) => f.embedDim === vit.embedDim && f.depth === vit.depth && f.headCount === vit.headCount);
  if (!family || !family.patches.includes(vit.patchSize)) return undefined;
  const size = vit.imageSize[0] === 384 && vit.imageSize[1] === 384 && (vit.patchSize === 16 || vit.patchSize === 32) ? 384 : 224;
  if (family.name === 'large' && vit.patchSize === 14 && size !== 224) return undefined;
  if (vit.patchSize === 8 && size !== 224) return undefined;
  return `vit_${family.name}_patch${vit.patchSize}_${size}`;
}

/** How timm knows a ViT: its registered model, if any, and `VisionTransformer(**kwargs)`. */
export function vitTimmDescription(vit: VitTimmSizes): TimmDescription {
  const [height, width] = vit.imageSize;
  return {
    model: vitTimmModel(vit),
    kwargs: {
      img_size: height === width ? height : [height, width],
      patch_size: vit.patchSize,
      in_chans: vit.inChannels,
      embed_dim: vit.embedDim,
      depth: vit.depth,
      num_heads: vit.headCount,
      mlp_ratio: vit.mlpRatio,
      qkv_bias: vit.qkvBias,
      ...(vit.layerScaleInit > 0 ? { init_values: vit.layerScaleInit } : {}),
      num_classes: 0,
    },
  };
}

/**
 * The timm name of a ViT parameter: layer scale `blocks.i.gamma_1` / `gamma_2` (DINO, iBOT) is
 * `blocks.i.ls1.gamma` / `ls2.gamma`; iBOT's `masked_embed` has none (undefined); every other
 * name is the same.
 */
export function vitTimmName(name: string): string | undefined {
  if (name === 'masked_embed') return undefined;
  return name.replace(/\.gamma_([12])$/, '.ls$1.gamma');
}
