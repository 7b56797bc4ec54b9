import { describe, expect, it } from 'vitest';
import { SslError } from '@selfsup/core';
import { parseOverride } from './overrides.js';

describe('parseOverride', () => {
  it('reads key.path=value with a YAML value, as selfsup pretrain --set does', () => {
    expect(parseOverride('batchSize=8')).toEqual(['batchSize', 8]);
    expect(parseOverride('optimizer.learningRate=1e-3')).toEqual(['optimizer.learningRate', 0.001]);
    expect(parseOverride('masking.ratio=[0, 0.3]')).toEqual(['masking.ratio', [0, 0.3]]);
    expect(parseOverride('loss.normalizePixels=false')).toEqual(['loss.normalizePixels', false]);
  });

  it('refuses a missing value, a bad key path and method, naming the parameter', () => {
    for (const text of ['batchSize', 'optimizer..learningRate=1', '=3', 'method=dino']) {
      expect(() => parseOverride(text)).toThrow(SslError);
      expect(() => parseOverride(text)).toThrow(/\?set=.*key\.path=value/);
    }
    expect(() => parseOverride('batchSize=[1, 2')).toThrow(/\?set=batchSize=.*a YAML value/);
  });
});
