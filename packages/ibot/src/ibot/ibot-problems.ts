import type { ConfigProblem } from '../config-problem.js';
import { multiCropProblems } from '../crop-problems.js';
import { headProblems, type HeadSection } from '../head-problems.js';
import { swinMaskGridProblems } from '../swin-mask-grid-problems.js';
import { backboneProblems } from '../vit-problems.js';
import { maskRatioProblems } from './mask-ratio-problems.js';
import { maskStartProblems } from './mask-start-problems.js';

/** The keys iBOT's rules read (DINOv2-style's configuration has them too). */
export type IbotRuleSections = Parameters<typeof multiCropProblems>[0] &
  Parameters<typeof maskStartProblems>[0] & {
    readonly head: HeadSection;
    readonly masking: Parameters<typeof maskRatioProblems>[0];
  };

/**
 * iBOT's rules between keys, and DINOv2-style's: the backbone's, the crops', the masked crops on a
 * Swin, the shared head's, the mask ratios' and the masking start's.
 */
export function ibotProblems(config: IbotRuleSections): ConfigProblem[] {
  return [
    ...backboneProblems(config.backbone),
    ...multiCropProblems(config),
    ...swinMaskGridProblems(config.backbone, config.augmentation.globalSize),
    ...headProblems(config.head),
    ...maskRatioProblems(config.masking),
    ...maskStartProblems(config),
  ];
}
