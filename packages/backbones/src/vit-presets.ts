/** Named ViT sizes, as in the ViT/DeiT papers and timm. */
export type VitPresetName = 'tiny' | 'small' | 'base' | 'large';

/** The width, depth and heads of a preset. */
export interface VitPreset {
  readonly embedDim: number;
  readonly depth: number;
  readonly headCount: number;
}

/** ViT-Tiny/Small/Base/Large: dims 192/384/768/1024, depths 12/12/12/24, heads 3/6/12/16. */
export const VIT_PRESETS: Readonly<Record<VitPresetName, VitPreset>> = {
  tiny: { embedDim: 192, depth: 12, headCount: 3 },
  small: { embedDim: 384, depth: 12, headCount: 6 },
  base: { embedDim: 768, depth: 12, headCount: 12 },
  large: { embedDim: 1024, depth: 24, headCount: 16 },
};
