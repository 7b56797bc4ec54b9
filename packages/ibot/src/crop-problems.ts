import type { ConfigProblem } from './config-problem.js';
import { patchMultipleProblems, type BackboneSection, type SwinBackboneSection } from './vit-problems.js';

/**
 * The crops' rules: every crop a backbone encodes (global and local views, or the one view of
 * MAE and BEiT) has a side that is a multiple of the patch side, and the normalisation has one
 * mean and one std per image channel.
 *
 * @param crops - `[key, side, count]` of each kind of crop; a kind with count 0 is not checked.
 * @param key - where the normalisation is (`augmentation`).
 */
export function cropProblems(
  backbone: BackboneSection | SwinBackboneSection,
  crops: readonly (readonly [key: string, size: number, count: number])[],
  normalization: { readonly mean: readonly number[]; readonly std: readonly number[] },
  key = 'augmentation',
): ConfigProblem[] {
  const channels = backbone.inChannels;
  return [
    ...crops.flatMap(([cropKey, size, count]) => (count > 0 ? patchMultipleProblems(cropKey, size, backbone.patchSize) : [])),
    ...(normalization.mean.length === channels ? [] : [{ key: `${key}.mean`, expected: `${channels} value(s), one per channel (backbone.inChannels)`, actual: normalization.mean }]),
    ...(normalization.std.length === channels ? [] : [{ key: `${key}.std`, expected: `${channels} value(s), one per channel (backbone.inChannels)`, actual: normalization.std }]),
  ];
}

/** The crop rules of the multi-crop methods (iBOT, DINO, DINOv2-style): global and local crops. */
export function multiCropProblems(config: {
  readonly backbone: BackboneSection | SwinBackboneSection;
  readonly augmentation: {
    readonly globalSize: number;
    readonly globalCrops: number;
    readonly localSize: number;
    readonly localCrops: number;
    readonly mean: readonly number[];
    readonly std: readonly number[];
  };
}): ConfigProblem[] {
  const a = config.augmentation;
  return cropProblems(
    config.backbone,
    [
      ['augmentation.globalSize', a.globalSize, a.globalCrops],
      ['augmentation.localSize', a.localSize, a.localCrops],
    ],
    a,
  );
}
