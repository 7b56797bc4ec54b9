import type { TimmDescription } from '@selfsup/core';

const EMBEDDINGS = /(?:^|\.)(?:masked_embed|mask_token|absolute_pos_embed)$|(?:^|\.)patch_embed\./;
const BLOCK = /(?:^|\.)layers\.(\d+)\.blocks\.(\d+)\./;
const DOWNSAMPLE = /(?:^|\.)layers\.(\d+)\.downsample\./;

/**
 * The layer of a Swin parameter for layer-wise decay, as the official Swin/SimMIM
 * `get_swin_layer_id`: 0 for the mask token and the patch embedding; blocks are numbered through
 * the stages from 1 (`layers.i.blocks.j` is `sum(depths[:i]) + j + 1`); a stage's patch merging
 * shares the layer of its last block; the final norm and anything else (heads) are in the last
 * layer, `sum(depths) + 1`. A prefix such as `backbone.` is ignored.
 *
 * @example
 * ```ts
 * swinLayerIndex('layers.1.blocks.0.attn.qkv.weight', [2, 2, 6, 2]); // 3
 * swinLayerIndex('layers.0.downsample.reduction.weight', [2, 2, 6, 2]); // 2
 * ```
 */
export function swinLayerIndex(name: string, depths: readonly number[]): number {
  const before = (stage: number) => depths.slice(0, stage).reduce((a, b) => a + b, 0);
  const total = before(depths.length);
  const block = BLOCK.exec(name);
  if (block) {
    const stage = Number(block[1]);
    const index = Number(block[2]);
    if (stage < depths.length && index < depths[stage]!) return before(stage) + index + 1;
  }
  const downsample = DOWNSAMPLE.exec(name);
  if (downsample && Number(downsample[1]) < depths.length) return before(Number(downsample[1]) + 1);
  if (EMBEDDINGS.test(name)) return 0;
  return total + 1;
}

/** The sizes of a Swin Transformer that decide how timm knows it (a `Swin`'s `config` is one). */
export interface SwinTimmSizes {
  readonly imageSize: readonly [number, number];
  readonly patchSize: number;
  readonly inChannels: number;
  readonly embedDim: number;
  readonly depths: readonly number[];
  readonly headCounts: readonly number[];
  readonly windowSize: number;
  readonly mlpRatio: number;
  readonly qkvBias: boolean;
}

const TIMM_SWIN_FAMILIES: readonly { name: string; embedDim: number; depths: readonly number[]; headCounts: readonly number[]; windows: readonly number[] }[] = [
  { name: 'tiny', embedDim: 96, depths: [2, 2, 6, 2], headCounts: [3, 6, 12, 24], windows: [7] },
  { name: 'small', embedDim: 96, depths: [2, 2, 18, 2], headCounts: [3, 6, 12, 24], windows: [7] },
  { name: 'base', embedDim: 128, depths: [2, 2, 18, 2], headCounts: [4, 8, 16, 32], windows: [7, 12] },
  { name: 'large', embedDim: 192, depths: [2, 2, 18, 2], headCounts: [6, 12, 24, 48], windows: [7, 12] },
];

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * The registered timm Swin with this architecture (`swin_tiny_patch4_window7_224`), when there is
 * one: Swin-T/S/B/L sizes with patch 4, MLP ratio 4 and qkv bias; window 7 is the 224 variant,
 * window 12 the 384 one. Another image size or channel count is a keyword. timm's Swin normalises
 * with LayerNorm eps 1e-5 where iBOT's uses 1e-6 (outputs differ by about 1e-5).
 */
export function swinTimmModel(swin: SwinTimmSizes): string | undefined {
  if (swin.patchSize !== 4 || swin.mlpRatio !== 4 || !swin.qkvBias) return undefined;
  const family = TIMM_SWIN_FAMILIES.find((f) => f.embedDim === swin.embedDim && same(f.depths, swin.depths) && same(f.headCounts, swin.headCounts));
  if (!family || !family.windows.includes(swin.windowSize)) return undefined;
  return `swin_${family.name}_patch4_window${swin.windowSize}_${swin.windowSize === 7 ? 224 : 384}`;
}

/** How timm knows a Swin Transformer: its registered model, if any, and `SwinTransformer(**kwargs)`. */
export function swinTimmDescription(swin: SwinTimmSizes): TimmDescription {
  const [height, width] = swin.imageSize;
  return {
    model: swinTimmModel(swin),
    kwargs: {
      img_size: height === width ? height : [height, width],
      patch_size: swin.patchSize,
      in_chans: swin.inChannels,
      embed_dim: swin.embedDim,
      depths: [...swin.depths],
      num_heads: [...swin.headCounts],
      window_size: swin.windowSize,
      mlp_ratio: swin.mlpRatio,
      qkv_bias: swin.qkvBias,
      num_classes: 0,
    },
  };
}

/**
 * The timm name of a parameter of iBOT's Swin: timm puts each patch merging at the start of the
 * next stage (`layers.0.downsample.*` is timm's `layers.1.downsample.*`, as its
 * `checkpoint_filter_fn` converts), and computes `relative_position_index` itself; iBOT's
 * `masked_embed` has no timm counterpart (both undefined). Every other name is the same.
 */
export function swinTimmName(name: string): string | undefined {
  if (name === 'masked_embed' || name.endsWith('.relative_position_index')) return undefined;
  return name.replace(/^layers\.(\d+)\.downsample\./, (_, stage: string) => `layers.${Number(stage) + 1}.downsample.`);
}
