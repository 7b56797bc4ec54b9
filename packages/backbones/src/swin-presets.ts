/** Named Swin Transformer sizes. */
export type SwinPresetName = 'tiny' | 'small' | 'base';

/** The width, stage depths and heads of a preset. */
export interface SwinPreset {
  /** The width of the first stage (doubled by each patch merging). */
  readonly embedDim: number;
  /** Blocks per stage. */
  readonly depths: readonly number[];
  /** Attention heads per stage. */
  readonly headCounts: readonly number[];
}

/**
 * Swin-T/S/B as in the Swin paper and the official iBOT `swin_tiny`, `swin_small`, `swin_base`
 * (window 7, patch 4): widths 96/96/128, depths [2, 2, 6, 2] / [2, 2, 18, 2] / [2, 2, 18, 2],
 * heads [3, 6, 12, 24] / [3, 6, 12, 24] / [4, 8, 16, 32].
 */
export const SWIN_PRESETS: Readonly<Record<SwinPresetName, SwinPreset>> = {
  tiny: { embedDim: 96, depths: [2, 2, 6, 2], headCounts: [3, 6, 12, 24] },
  small: { embedDim: 96, depths: [2, 2, 18, 2], headCounts: [3, 6, 12, 24] },
  base: { embedDim: 128, depths: [2, 2, 18, 2], headCounts: [4, 8, 16, 32] },
};
