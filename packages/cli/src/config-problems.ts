import { describeValue } from '@selfsup/core';
import { VIT_PRESETS, type VitPresetName } from '@selfsup/backbones';

// The rules between keys of a configuration that a schema cannot express, for the built-in
// methods of @selfsup/ibot: each function reads one section and returns the rules it breaks,
// so that the command line refuses the configuration before it creates or computes anything.

/** A rule a configuration breaks: the key, what was expected, the value found. */
export interface ConfigProblem {
  /** The key path (`augmentation.localSize`). */
  readonly key: string;
  /** What the key must be (`a multiple of backbone.patchSize (7)`). */
  readonly expected: string;
  /** The value found. */
  readonly actual: unknown;
}

/** The line of a problem in a message: `augmentation.localSize: expected a multiple of ..., got 10`. */
export function describeProblem(problem: ConfigProblem): string {
  const got = problem.actual === undefined ? 'nothing (the key is missing)' : describeValue(problem.actual);
  return `${problem.key}: expected ${problem.expected}, got ${got}`;
}

/** The backbone section the rules read (`backboneConfigSchema` of @selfsup/ibot). */
export interface BackboneSection {
  readonly preset: VitPresetName;
  readonly imageSize: number;
  readonly patchSize: number;
  readonly inChannels: number;
  readonly embedDim?: number | undefined;
  readonly headCount?: number | undefined;
}

function multipleOfPatch(key: string, size: number, patchSize: number): ConfigProblem[] {
  if (size % patchSize === 0) return [];
  const below = Math.floor(size / patchSize) * patchSize;
  const suggestion = below > 0 ? `${below} or ${below + patchSize}` : `${patchSize}`;
  return [{ key, expected: `a multiple of backbone.patchSize (${patchSize}), e.g. ${suggestion}`, actual: size }];
}

/**
 * The ViT's rules (`createVit`): the image side a multiple of the patch side, the width a multiple
 * of the heads (the preset's width and heads where they are not given).
 */
export function vitProblems(backbone: BackboneSection, key = 'backbone'): ConfigProblem[] {
  const preset = VIT_PRESETS[backbone.preset];
  const embedDim = backbone.embedDim ?? preset.embedDim;
  const headCount = backbone.headCount ?? preset.headCount;
  return [
    ...multipleOfPatch(`${key}.imageSize`, backbone.imageSize, backbone.patchSize),
    ...(embedDim % headCount === 0
      ? []
      : [{ key: `${key}.headCount`, expected: `a divisor of ${key}.embedDim (${embedDim}${backbone.embedDim === undefined ? `, the ${backbone.preset} preset's` : ''})`, actual: headCount }]),
  ];
}

/**
 * The crops' rules: every crop a backbone encodes (global and local views, or the one view of
 * MAE and BEiT) has a side that is a multiple of the patch side, and the normalisation has one
 * mean and one std per image channel.
 *
 * @param crops - `[key, side, count]` of each kind of crop; a kind with count 0 is not checked.
 */
export function cropProblems(
  backbone: BackboneSection,
  crops: readonly (readonly [key: string, size: number, count: number])[],
  normalization: { readonly mean: readonly number[]; readonly std: readonly number[] },
  key = 'augmentation',
): ConfigProblem[] {
  const channels = backbone.inChannels;
  return [
    ...crops.flatMap(([cropKey, size, count]) => (count > 0 ? multipleOfPatch(cropKey, size, backbone.patchSize) : [])),
    ...(normalization.mean.length === channels ? [] : [{ key: `${key}.mean`, expected: `${channels} value(s), one per channel (backbone.inChannels)`, actual: normalization.mean }]),
    ...(normalization.std.length === channels ? [] : [{ key: `${key}.std`, expected: `${channels} value(s), one per channel (backbone.inChannels)`, actual: normalization.std }]),
  ];
}

/**
 * iBOT's mask-ratio rules (`pred_ratio`, `pred_ratio_var`): one variance, or one per ratio; each
 * variance at most its ratio, and ratio + variance at most 1.
 */
export function maskRatioProblems(masking: { readonly ratio: number | readonly number[]; readonly variance: number | readonly number[] }): ConfigProblem[] {
  const ratios = typeof masking.ratio === 'number' ? [masking.ratio] : [...masking.ratio];
  const variances = typeof masking.variance === 'number' ? [masking.variance] : [...masking.variance];
  if (variances.length !== 1 && variances.length !== ratios.length) {
    return [
      {
        key: 'masking.variance',
        expected: `one number, or one per masking.ratio (${ratios.length}); set both, e.g. ratio: 0.3 with variance: 0.1`,
        actual: masking.variance,
      },
    ];
  }
  return ratios.flatMap((ratio, i) => {
    const variance = variances.length === 1 ? variances[0]! : variances[i]!;
    const where = variances.length === 1 ? 'masking.variance' : `masking.variance.${i}`;
    if (variance > ratio) return [{ key: where, expected: `at most its ratio (${ratio}), so that ratio - variance >= 0`, actual: variance }];
    if (ratio + variance > 1) return [{ key: where, expected: `at most ${1 - ratio} (1 - its ratio ${ratio}), so that ratio + variance <= 1`, actual: variance }];
    return [];
  });
}

/**
 * MAE's masking rule: the random mask removes `N - floor(N * (1 - ratio))` of the `N` patches of a
 * crop, and the loss is the error on the removed ones, so at least one must be removed.
 */
export function maeMaskingProblems(ratio: number, size: number, patchSize: number): ConfigProblem[] {
  if (size % patchSize !== 0) return []; // the crop rule reports it
  const patches = (size / patchSize) ** 2;
  const removed = patches - Math.floor(patches * (1 - ratio));
  if (removed >= 1) return [];
  return [{ key: 'masking.ratio', expected: `a share that removes at least 1 of the ${patches} patches of a crop (>= ${(1 / patches).toPrecision(3)})`, actual: ratio }];
}

/** The MAE decoder's rule: its width a multiple of its heads. */
export function maeDecoderProblems(decoder: { readonly embedDim: number; readonly headCount: number }): ConfigProblem[] {
  return decoder.embedDim % decoder.headCount === 0
    ? []
    : [{ key: 'decoder.headCount', expected: `a divisor of decoder.embedDim (${decoder.embedDim})`, actual: decoder.headCount }];
}

/** A BEiT-style tokenizer section (`beitTokenizerConfigSchema` of @selfsup/ibot). */
export type BeitTokenizerSection =
  | { readonly kind: 'kmeans'; readonly vocabularySize: number; readonly maxPatches: number }
  | { readonly kind: 'dvae'; readonly weights?: string | undefined }
  | { readonly kind: 'teacher'; readonly weights?: string | undefined; readonly backbone: BackboneSection };

/**
 * The BEiT-style tokenizer's rules: a k-means codebook needs at least as many patches as visual
 * tokens; a dVAE and a frozen teacher need their weights file; the teacher gives one id per patch
 * of the student, so their patch sides are equal (and its own ViT rules hold).
 */
export function beitTokenizerProblems(tokenizer: BeitTokenizerSection, patchSize: number): ConfigProblem[] {
  if (tokenizer.kind === 'kmeans') {
    return tokenizer.vocabularySize <= tokenizer.maxPatches
      ? []
      : [{ key: 'tokenizer.vocabularySize', expected: `at most tokenizer.maxPatches (${tokenizer.maxPatches}), the patches the codebook is fitted on`, actual: tokenizer.vocabularySize }];
  }
  const problems: ConfigProblem[] = [];
  if (tokenizer.weights === undefined) {
    const what = tokenizer.kind === 'dvae' ? "DALL-E's encoder weights (a safetensors file)" : "the teacher's weights (a checkpoint of selfsup pretrain, or a safetensors file)";
    problems.push({ key: 'tokenizer.weights', expected: `a file with ${what}; or use tokenizer.kind: kmeans, which needs none`, actual: undefined });
  }
  if (tokenizer.kind === 'teacher') {
    problems.push(...vitProblems(tokenizer.backbone, 'tokenizer.backbone'));
    if (tokenizer.backbone.patchSize !== patchSize) {
      problems.push({ key: 'tokenizer.backbone.patchSize', expected: `backbone.patchSize (${patchSize}): one token per patch of the student`, actual: tokenizer.backbone.patchSize });
    }
  }
  return problems;
}
