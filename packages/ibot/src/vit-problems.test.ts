import { describe, expect, it } from 'vitest';
import { patchMultipleProblems, vitProblems } from './vit-problems.js';

describe('vitProblems', () => {
  it('lists every broken rule at once', () => {
    expect(vitProblems({ preset: 'tiny', imageSize: 30, patchSize: 7, inChannels: 1, embedDim: 16, headCount: 3 }).map((p) => p.key)).toEqual(['backbone.imageSize', 'backbone.headCount']);
    expect(vitProblems({ preset: 'tiny', imageSize: 28, patchSize: 7, inChannels: 1, embedDim: 16, headCount: 2 })).toEqual([]);
  });

  it('reads the preset where the width and heads are not given, under the key it is given', () => {
    // tiny: 192 wide, 3 heads; 5 heads do not divide 192
    expect(vitProblems({ preset: 'tiny', imageSize: 28, patchSize: 7, inChannels: 1, headCount: 5 }, 'tokenizer.backbone')).toEqual([
      { key: 'tokenizer.backbone.headCount', expected: "a divisor of tokenizer.backbone.embedDim (192, the tiny preset's)", actual: 5 },
    ]);
  });

  it('suggests the two nearest multiples of the patch side', () => {
    expect(patchMultipleProblems('augmentation.localSize', 10, 7)).toEqual([{ key: 'augmentation.localSize', expected: 'a multiple of backbone.patchSize (7), e.g. 7 or 14', actual: 10 }]);
    expect(patchMultipleProblems('augmentation.localSize', 3, 7)[0]!.expected).toBe('a multiple of backbone.patchSize (7), e.g. 7');
  });
});
