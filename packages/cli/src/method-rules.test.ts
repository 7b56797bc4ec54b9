import { describe, expect, it } from 'vitest';
import { SslError } from '@selfsup/core';
import { parseCliConfig } from './parse-cli-config.js';

/** The INVALID_CONFIG message `parseCliConfig` gives for `config`, or '' when it is accepted. */
function refusal(config: Record<string, unknown>): string {
  try {
    parseCliConfig(config, 'test.yaml');
    return '';
  } catch (error) {
    expect(error).toBeInstanceOf(SslError);
    expect((error as SslError).code).toBe('INVALID_CONFIG');
    return (error as Error).message;
  }
}

const vit = { imageSize: 28, patchSize: 7, embedDim: 16, depth: 1, headCount: 2 };

describe('the rules between keys of the built-in methods', () => {
  it('every crop of iBOT, DINOv2 and DINO is a multiple of the patch size (local crops only when there are some)', () => {
    for (const method of ['ibot', 'dinov2', 'dino']) {
      expect(refusal({ method, backbone: vit, augmentation: { globalSize: 28, localSize: 10, localCrops: 2 } })).toMatch(
        /test\.yaml is invalid:\n {2}- augmentation\.localSize: expected a multiple of backbone\.patchSize \(7\), e\.g\. 7 or 14, got 10$/,
      );
      expect(refusal({ method, backbone: vit, augmentation: { globalSize: 30, localSize: 14, localCrops: 2 } })).toMatch(/augmentation\.globalSize: expected a multiple of backbone\.patchSize \(7\), e\.g\. 28 or 35, got 30/);
      expect(refusal({ method, backbone: vit, augmentation: { globalSize: 21, localSize: 10, localCrops: 0 } })).toBe('');
    }
  });

  it('run.threads at most 1024, as useBackend takes', () => {
    expect(refusal({ method: 'ibot', backbone: vit, augmentation: { localSize: 14 }, run: { threads: 5000 } })).toMatch(/run\.threads: expected a number <= 1024.*got 5000/);
  });

  it('MAE and BEiT crops, the ViT itself, and the normalisation per channel', () => {
    expect(refusal({ method: 'mae', backbone: vit, decoder: { embedDim: 16, headCount: 2 }, augmentation: { size: 24 } })).toMatch(/augmentation\.size: expected a multiple of backbone\.patchSize \(7\), e\.g\. 21 or 28, got 24/);
    expect(refusal({ method: 'beit', backbone: vit, tokenizer: { kind: 'kmeans' }, augmentation: { size: 24 } })).toMatch(/augmentation\.size: expected a multiple/);
    const crops = { globalSize: 28, localSize: 14 };
    expect(refusal({ method: 'ibot', backbone: { ...vit, imageSize: 30 }, augmentation: crops })).toMatch(/backbone\.imageSize: expected a multiple of backbone\.patchSize \(7\)/);
    expect(refusal({ method: 'ibot', backbone: { ...vit, headCount: 3 }, augmentation: crops })).toMatch(/backbone\.headCount: expected a divisor of backbone\.embedDim \(16\), got 3/);
    expect(refusal({ method: 'ibot', backbone: { ...vit, embedDim: undefined, headCount: 5 }, augmentation: crops })).toMatch(/backbone\.headCount: expected a divisor of backbone\.embedDim \(192, the tiny preset's\), got 5/);
    expect(refusal({ method: 'ibot', backbone: vit, augmentation: { globalSize: 28, localSize: 14, mean: [0.1, 0.2] } })).toMatch(/augmentation\.mean: expected 1 value\(s\), one per channel \(backbone\.inChannels\), got \[0\.1, 0\.2\]/);
  });

  it("iBOT's mask ratios and variances, MAE's mask ratio and decoder, BEiT's tokenizer", () => {
    expect(refusal({ method: 'ibot', backbone: vit, augmentation: { localSize: 14 }, masking: { ratio: 0.3 } })).toMatch(/masking\.variance: expected one number, or one per masking\.ratio \(1\).*got \[0, 0\.2\]/);
    for (const method of ['ibot', 'dinov2', 'dino']) {
      expect(refusal({ method, backbone: vit, augmentation: { localSize: 14, localScale: [0.25, 0.05] } })).toMatch(/augmentation\.localScale: .*min <= max.*swap.*got \[0\.25, 0\.05\]/);
      expect(refusal({ method, backbone: vit, augmentation: { localSize: 14, globalScale: [0, 1] } })).toMatch(/augmentation\.globalScale\.0: .*got 0/);
    }
    for (const method of ['mae', 'beit']) {
      const parts = method === 'mae' ? { decoder: { embedDim: 16, headCount: 2 } } : { tokenizer: { kind: 'kmeans' } };
      expect(refusal({ method, backbone: vit, ...parts, augmentation: { size: 28, scale: [1, 0.5] } })).toMatch(/augmentation\.scale: .*min <= max.*got \[1, 0\.5\]/);
    }
    for (const method of ['ibot', 'dinov2']) {
      expect(refusal({ method, backbone: vit, augmentation: { localSize: 14 }, epochs: 3, masking: { startEpoch: 4 } })).toMatch(/masking\.startEpoch: expected at most epochs \(3\).*got 4/);
      expect(refusal({ method, backbone: vit, augmentation: { localSize: 14 }, epochs: 3, masking: { startEpoch: 3 } })).toBe('');
    }
    expect(refusal({ method: 'mae', backbone: vit, decoder: { embedDim: 16, headCount: 2 }, augmentation: { size: 28 }, masking: { ratio: 0 } })).toMatch(/masking\.ratio: expected a share that removes at least 1 of the 16 patches of a crop \(>= 0\.0625\), got 0/);
    expect(refusal({ method: 'mae', backbone: vit, decoder: { embedDim: 16, headCount: 3 }, augmentation: { size: 28 } })).toMatch(/decoder\.headCount: expected a divisor of decoder\.embedDim \(16\), got 3/);
    expect(refusal({ method: 'beit', backbone: vit, tokenizer: { kind: 'dvae' } })).toMatch(/tokenizer\.weights: expected a file with DALL-E's encoder weights.*got nothing \(the key is missing\)/);
    expect(refusal({ method: 'beit', backbone: vit, tokenizer: { kind: 'teacher', weights: 't.safetensors', backbone: { ...vit, patchSize: 4 } } })).toMatch(/tokenizer\.backbone\.patchSize: expected backbone\.patchSize \(7\).*got 4/);
    expect(refusal({ method: 'beit', backbone: vit, tokenizer: { kind: 'kmeans', vocabularySize: 100, maxPatches: 50 } })).toMatch(/tokenizer\.vocabularySize: expected at most tokenizer\.maxPatches \(50\)/);
  });

  it('a Swin keeps a token in its last stage, and masks whole patches (iBOT, DINOv2)', () => {
    // the tiny preset's 4 stages halve a 7x7 patch grid to 0x0 at stage 3
    expect(refusal({ method: 'ibot', backbone: { arch: 'swin' }, augmentation: { localSize: 16 } })).toMatch(
      /backbone\.imageSize: expected at least 32 \(backbone\.patchSize \* 2\^\(stages - 1\)\).*the tiny preset's \[2, 2, 6, 2\].*got 28/,
    );
    const swin = { arch: 'swin', imageSize: 32, patchSize: 2, embedDim: 16, depths: [1, 1], headCounts: [2, 2], windowSize: 4 };
    for (const method of ['ibot', 'dinov2']) {
      // 14x14 patches give a 7x7 last stage: fine; 10x10 give 5x5: fine; 18x18 give 9x9: fine; 6x6 -> 3x3; all even grids halve whole
      expect(refusal({ method, backbone: swin, augmentation: { globalSize: 28, localSize: 12 } })).toBe('');
      // 30 px: 15x15 patches, a 8x8 last stage (ceil), which does not divide 15
      expect(refusal({ method, backbone: swin, augmentation: { globalSize: 30, localSize: 12 } })).toMatch(
        /augmentation\.globalSize: expected a side whose patch grid is a multiple of the Swin's last-stage grid.*\(15x15 patches give a 8x8 last stage after 1 halvings\), e\.g\. 28 or 32, got 30/,
      );
    }
    expect(refusal({ method: 'dino', backbone: swin, augmentation: { globalSize: 30, localSize: 12 } })).toBe('');
  });

  it("a shared head's patch prototypes are its [CLS] prototypes (iBOT, DINOv2, BEiT's teacher)", () => {
    for (const method of ['ibot', 'dinov2']) {
      expect(refusal({ method, backbone: vit, augmentation: { localSize: 14 }, head: { outDim: 64, patchOutDim: 32, sharedHead: true } })).toMatch(
        /head\.patchOutDim: expected head\.outDim \(64\) while head\.sharedHead is true.*got 32/,
      );
      expect(refusal({ method, backbone: vit, augmentation: { localSize: 14 }, head: { outDim: 64, patchOutDim: 32, sharedHead: false } })).toBe('');
    }
    // iBOT shares by default, DINOv2 does not
    expect(refusal({ method: 'ibot', backbone: vit, augmentation: { localSize: 14 }, head: { outDim: 64, patchOutDim: 32 } })).toMatch(/head\.patchOutDim/);
    expect(refusal({ method: 'dinov2', backbone: vit, augmentation: { localSize: 14 }, head: { outDim: 64, patchOutDim: 32 } })).toBe('');
    const teacher = { kind: 'teacher', weights: 't.safetensors', backbone: { ...vit, inChannels: 1 } };
    expect(refusal({ method: 'beit', backbone: { ...vit, inChannels: 1 }, tokenizer: { ...teacher, head: { outDim: 64, patchOutDim: 32 } } })).toMatch(
      /tokenizer\.head\.patchOutDim: expected tokenizer\.head\.outDim \(64\)/,
    );
  });

  it("BEiT's teacher takes the student's channels; MAE's sine-cosine positions a width that is a multiple of 4", () => {
    const teacher = { kind: 'teacher', weights: 't.safetensors', backbone: { ...vit, inChannels: 1 } };
    expect(refusal({ method: 'beit', backbone: { ...vit, inChannels: 3 }, augmentation: { mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2] }, tokenizer: teacher })).toMatch(
      /tokenizer\.backbone\.inChannels: expected backbone\.inChannels \(3\).*got 1/,
    );
    expect(refusal({ method: 'beit', backbone: { ...vit, inChannels: 1 }, tokenizer: teacher })).toBe('');
    const mae = { method: 'mae', decoder: { embedDim: 16, headCount: 2 }, augmentation: { size: 28 } };
    expect(refusal({ ...mae, backbone: { ...vit, embedDim: 18, headCount: 3 } })).toMatch(/backbone\.embedDim: expected a multiple of 4 with backbone\.positionEmbedding: sin-cos.*e\.g\. 16 or 20.*got 18/);
    expect(refusal({ ...mae, backbone: { ...vit, embedDim: 18, headCount: 3, positionEmbedding: 'learned' } })).toBe('');
  });

  it('seeds stay safe integers after the +1 of the heads, and betas below 1 by at least the float epsilon', () => {
    const ibot = { method: 'ibot', backbone: vit, augmentation: { localSize: 14 } };
    expect(refusal({ ...ibot, seed: Number.MAX_SAFE_INTEGER })).toMatch(/seed/);
    expect(refusal({ ...ibot, seed: Number.MAX_SAFE_INTEGER - 1 })).toBe('');
    expect(refusal({ ...ibot, optimizer: { betas: [0.9, 1 - Number.EPSILON / 2] } })).toMatch(/optimizer\.betas/);
    expect(refusal({ ...ibot, optimizer: { betas: [0.9, 1 - Number.EPSILON] } })).toBe('');
  });
});
