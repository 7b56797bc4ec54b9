import { describe, expect, it } from 'vitest';
import { SslError } from '@selfsup/core';
import { parseCliConfig } from './parse-cli-config.js';
import { RESUME_SAFE_KEYS, checkResumeConfig, configDifferences } from './check-resume-config.js';

const base = { method: 'ibot', backbone: { patchSize: 7, imageSize: 28 }, augmentation: { localSize: 14 } };
const parsed = (extra: Record<string, unknown>) => parseCliConfig({ ...base, ...extra }, 'test').config;

describe('checkResumeConfig', () => {
  it('finds differing keys by path, lists as wholes, and keys only one side has', () => {
    expect(configDifferences({ a: 1, b: { c: [1, 2], d: 'x' } }, { a: 1, b: { c: [1, 3] }, e: true })).toEqual([
      { key: 'b.c', before: [1, 2], after: [1, 3] },
      { key: 'b.d', before: 'x', after: undefined },
      { key: 'e', before: undefined, after: true },
    ]);
    expect(configDifferences(parsed({}), parsed({}))).toEqual([]);
  });

  it('accepts the safe keys and returns them; refuses any other with its values in the run and now', () => {
    const stored = parsed({});
    const safe = parsed({ epochs: 5, run: { knnK: 3, progress: 'none', outDir: 'moved' } });
    expect(checkResumeConfig(stored, safe, 'step-2.safetensors').map((d) => d.key).sort()).toEqual(['epochs', 'run.knnK', 'run.outDir', 'run.progress']);
    let caught: unknown;
    try {
      checkResumeConfig(stored, parsed({ seed: 5, epochs: 5, run: { maxStepsPerEpoch: 3 } }), 'step-2.safetensors');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SslError);
    expect((caught as SslError).code).toBe('INVALID_CONFIG');
    expect((caught as Error).message).toMatch(/\n {2}- seed: 0 in the run, 5 now\n/);
    expect((caught as Error).message).toMatch(/\n {2}- run\.maxStepsPerEpoch: \(not set\) in the run, 3 now\n/);
    expect((caught as Error).message).not.toMatch(/- epochs/);
  });

  it('never lets a key that changes what is computed through', () => {
    for (const key of ['seed', 'batchSize', 'run.maxStepsPerEpoch', 'data.dataset', 'data.folder', 'data.heldOut']) expect(key in RESUME_SAFE_KEYS, key).toBe(false);
  });
});
