import { VIT_PRESETS, type VitPresetName } from '@selfsup/backbones';
import type { ConfigProblem } from './config-problem.js';

/** The backbone section the rules read (`backboneConfigSchema`). */
export interface BackboneSection {
  readonly preset: VitPresetName;
  readonly imageSize: number;
  readonly patchSize: number;
  readonly inChannels: number;
  readonly embedDim?: number | undefined;
  readonly headCount?: number | undefined;
}

/** The rule that the side `size` under `key` is a multiple of the patch side, with the two nearest that are. */
export function patchMultipleProblems(key: string, size: number, patchSize: number): ConfigProblem[] {
  if (size % patchSize === 0) return [];
  const below = Math.floor(size / patchSize) * patchSize;
  const suggestion = below > 0 ? `${below} or ${below + patchSize}` : `${patchSize}`;
  return [{ key, expected: `a multiple of backbone.patchSize (${patchSize}), e.g. ${suggestion}`, actual: size }];
}

/**
 * The ViT's rules (`createVit`): the image side a multiple of the patch side, the width a multiple
 * of the heads (the preset's width and heads where they are not given).
 *
 * @param key - where the section is (`backbone`, `tokenizer.backbone`).
 */
export function vitProblems(backbone: BackboneSection, key = 'backbone'): ConfigProblem[] {
  const preset = VIT_PRESETS[backbone.preset];
  const embedDim = backbone.embedDim ?? preset.embedDim;
  const headCount = backbone.headCount ?? preset.headCount;
  return [
    ...patchMultipleProblems(`${key}.imageSize`, backbone.imageSize, backbone.patchSize),
    ...(embedDim % headCount === 0
      ? []
      : [{ key: `${key}.headCount`, expected: `a divisor of ${key}.embedDim (${embedDim}${backbone.embedDim === undefined ? `, the ${backbone.preset} preset's` : ''})`, actual: headCount }]),
  ];
}
