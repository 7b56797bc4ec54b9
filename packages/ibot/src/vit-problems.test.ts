import { describe, expect, it } from 'vitest';
import { patchMultipleProblems, swinProblems, vitProblems } from './vit-problems.js';
import { swinMaskGridProblems } from './swin-mask-grid-problems.js';
import { headProblems } from './head-problems.js';

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

describe('swinProblems', () => {
  const swin = { arch: 'swin' as const, preset: 'tiny' as const, imageSize: 32, patchSize: 4, inChannels: 1 };

  it('keeps a token in the last stage: the patch grid halved (rounding down) once per merging', () => {
    // tiny: 4 stages, 3 mergings; 32 / 4 = 8 patches -> 1 at stage 3; 28 -> 7 -> 0
    expect(swinProblems(swin)).toEqual([]);
    expect(swinProblems({ ...swin, imageSize: 28 }).map((p) => p.key)).toEqual(['backbone.imageSize']);
    expect(swinProblems({ ...swin, imageSize: 28, depths: [2, 2], headCounts: [3, 6] })).toEqual([]);
  });
});

describe('swinMaskGridProblems', () => {
  const swin = { arch: 'swin' as const, preset: 'tiny' as const, imageSize: 32, patchSize: 2, inChannels: 1, depths: [1, 1, 1] };

  it('asks for a masked side whose patch grid the last stage divides, with the nearest that work', () => {
    // 2 mergings: 16 patches -> 4 (divides), 14 -> 4 (does not), 12 -> 3 (divides)
    expect(swinMaskGridProblems(swin, 32)).toEqual([]);
    const [problem] = swinMaskGridProblems(swin, 28);
    expect(problem).toMatchObject({ key: 'augmentation.globalSize', actual: 28 });
    expect(problem!.expected).toMatch(/\(14x14 patches give a 4x4 last stage after 2 halvings\), e\.g\. 24 or 32$/);
  });

  it('has nothing to say of a ViT or of a side the patch does not divide (another rule)', () => {
    expect(swinMaskGridProblems({ preset: 'tiny', imageSize: 28, patchSize: 2, inChannels: 1 }, 30)).toEqual([]);
    expect(swinMaskGridProblems(swin, 27)).toEqual([]);
  });
});

describe('headProblems', () => {
  it('a shared head has as many patch prototypes as [CLS] ones', () => {
    expect(headProblems({ outDim: 64, patchOutDim: 32, sharedHead: true }, 'tokenizer.head').map((p) => p.key)).toEqual(['tokenizer.head.patchOutDim']);
    expect(headProblems({ outDim: 64, patchOutDim: 32, sharedHead: false })).toEqual([]);
    expect(headProblems({ outDim: 64, sharedHead: true })).toEqual([]);
  });
});
