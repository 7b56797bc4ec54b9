import { SWIN_PRESETS, VIT_PRESETS, type SwinPresetName, type VitPresetName } from '@selfsup/backbones';
import type { ConfigProblem } from './config-problem.js';

/** The ViT section the rules read (`vitBackboneConfigSchema`; `arch` absent is a ViT). */
export interface BackboneSection {
  readonly arch?: 'vit' | undefined;
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

/** The Swin section the rules read (`swinBackboneConfigSchema`). */
export interface SwinBackboneSection {
  readonly arch: 'swin';
  readonly preset: SwinPresetName;
  readonly imageSize: number;
  readonly patchSize: number;
  readonly inChannels: number;
  readonly embedDim?: number | undefined;
  readonly depths?: readonly number[] | undefined;
  readonly headCounts?: readonly number[] | undefined;
}

/**
 * The Swin Transformer's rules (`createSwin`, `planSwinStages`, `swin.checkInputSize`): the image
 * side a multiple of the patch side, one head count per stage, each stage's width
 * (`embedDim * 2^stage`) a multiple of its heads, and an image large enough that the last stage
 * keeps a token (the patch grid halved, rounding down, once per stage after the first). Windows
 * larger than a stage's grid are clipped and odd grids are padded, so those need no rule.
 */
export function swinProblems(backbone: SwinBackboneSection, key = 'backbone'): ConfigProblem[] {
  const preset = SWIN_PRESETS[backbone.preset];
  const embedDim = backbone.embedDim ?? preset.embedDim;
  const depths = backbone.depths ?? preset.depths;
  const headCounts = backbone.headCounts ?? preset.headCounts;
  const problems = patchMultipleProblems(`${key}.imageSize`, backbone.imageSize, backbone.patchSize);
  if (headCounts.length !== depths.length) {
    problems.push({ key: `${key}.headCounts`, expected: `one head count per stage (${depths.length}, as ${key}.depths)`, actual: [...headCounts] });
    return problems;
  }
  headCounts.forEach((heads, stage) => {
    const width = embedDim * 2 ** stage;
    if (width % heads !== 0) problems.push({ key: `${key}.headCounts.${stage}`, expected: `a divisor of stage ${stage}'s width (${width} = embedDim * 2^${stage})`, actual: heads });
  });
  const mergings = depths.length - 1;
  if (Math.floor(Math.floor(backbone.imageSize / backbone.patchSize) / 2 ** mergings) < 1) {
    problems.push({
      key: `${key}.imageSize`,
      expected:
        `at least ${backbone.patchSize * 2 ** mergings} (${key}.patchSize * 2^(stages - 1)), so that the last of the ${depths.length} stages keeps a token ` +
        `(or a smaller ${key}.patchSize, or fewer stages: ${key}.depths${backbone.depths === undefined ? `, the ${backbone.preset} preset's [${depths.join(', ')}]` : ''})`,
      actual: backbone.imageSize,
    });
  }
  return problems;
}

/** The rules of a backbone section, by its `arch` (absent: a ViT). */
export function backboneProblems(backbone: BackboneSection | SwinBackboneSection, key = 'backbone'): ConfigProblem[] {
  return backbone.arch === 'swin' ? swinProblems(backbone, key) : vitProblems(backbone, key);
}
