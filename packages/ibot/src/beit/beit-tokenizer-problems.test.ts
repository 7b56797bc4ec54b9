import { describe, expect, it } from 'vitest';
import { beitTokenizerProblems } from './beit-tokenizer-problems.js';

const teacherBackbone = { preset: 'tiny' as const, imageSize: 28, patchSize: 7, inChannels: 1, embedDim: 16, headCount: 2 };

describe('beitTokenizerProblems', () => {
  it('k-means: no more visual tokens than patches to fit on', () => {
    expect(beitTokenizerProblems({ kind: 'kmeans', vocabularySize: 50, maxPatches: 50 }, 7)).toEqual([]);
    expect(beitTokenizerProblems({ kind: 'kmeans', vocabularySize: 51, maxPatches: 50 }, 7).map((p) => p.key)).toEqual(['tokenizer.vocabularySize']);
  });

  it('dVAE and teacher: a weights file; the teacher one id per student patch, and its own ViT rules', () => {
    expect(beitTokenizerProblems({ kind: 'dvae', weights: 'dalle.safetensors' }, 7)).toEqual([]);
    expect(beitTokenizerProblems({ kind: 'dvae' }, 7)).toMatchObject([{ key: 'tokenizer.weights', actual: undefined }]);
    expect(beitTokenizerProblems({ kind: 'teacher', weights: 't.safetensors', backbone: teacherBackbone }, 7)).toEqual([]);
    const broken = beitTokenizerProblems({ kind: 'teacher', backbone: { ...teacherBackbone, headCount: 3, patchSize: 5 } }, 7); // 28 is no multiple of 5, 16 of 3
    expect(broken.map((p) => p.key)).toEqual(['tokenizer.weights', 'tokenizer.backbone.imageSize', 'tokenizer.backbone.headCount', 'tokenizer.backbone.patchSize']);
  });

  it("the teacher takes the student's channels, and its shared head one set of prototypes", () => {
    const teacher = { kind: 'teacher' as const, weights: 't.safetensors', backbone: teacherBackbone };
    expect(beitTokenizerProblems(teacher, 7, 1)).toEqual([]);
    expect(beitTokenizerProblems(teacher, 7, 3)).toMatchObject([{ key: 'tokenizer.backbone.inChannels', actual: 1 }]);
    expect(beitTokenizerProblems({ ...teacher, head: { outDim: 8, patchOutDim: 4, sharedHead: true } }, 7, 1)).toMatchObject([{ key: 'tokenizer.head.patchOutDim', actual: 4 }]);
  });
});
