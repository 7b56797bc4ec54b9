import type { ConfigProblem } from '../config-problem.js';
import { headProblems, type HeadSection } from '../head-problems.js';
import { vitProblems, type BackboneSection } from '../vit-problems.js';

/** A BEiT-style tokenizer section (`beitTokenizerConfigSchema`). */
export type BeitTokenizerSection =
  | { readonly kind: 'kmeans'; readonly vocabularySize: number; readonly maxPatches: number }
  | { readonly kind: 'dvae'; readonly weights?: string | undefined }
  | { readonly kind: 'teacher'; readonly weights?: string | undefined; readonly backbone: BackboneSection; readonly head?: HeadSection | undefined };

/**
 * The BEiT-style tokenizer's rules: a k-means codebook needs at least as many patches as visual
 * tokens; a dVAE and a frozen teacher need their weights file; the teacher gives one id per patch
 * of the student, so their patch sides are equal, it sees the student's crops, so it takes as many
 * channels (when `inChannels`, the student's, is given), and its own ViT and head rules hold.
 *
 * @param patchSize - the student's `backbone.patchSize`.
 * @param inChannels - the student's `backbone.inChannels`.
 */
export function beitTokenizerProblems(tokenizer: BeitTokenizerSection, patchSize: number, inChannels?: number): ConfigProblem[] {
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
    if (inChannels !== undefined && tokenizer.backbone.inChannels !== inChannels) {
      problems.push({ key: 'tokenizer.backbone.inChannels', expected: `backbone.inChannels (${inChannels}): the teacher sees the student's crops`, actual: tokenizer.backbone.inChannels });
    }
    if (tokenizer.head) problems.push(...headProblems(tokenizer.head, 'tokenizer.head'));
  }
  return problems;
}
