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
});
