import { describe, expect, it } from 'vitest';
import { parseSetFlag, setKeyPath } from './apply-overrides.js';

describe('setKeyPath', () => {
  it('sets nested keys, creating sections', () => {
    const config: Record<string, unknown> = { method: 'ibot', optimizer: { learningRate: 1 } };
    setKeyPath(config, 'optimizer.learningRate', 0.5);
    setKeyPath(config, 'run.outDir', 'runs/a');
    expect(config).toEqual({ method: 'ibot', optimizer: { learningRate: 0.5 }, run: { outDir: 'runs/a' } });
  });

  it('refuses a path through a value and prototype keys', () => {
    expect(() => setKeyPath({ epochs: 2 }, 'epochs.x', 1)).toThrow(/"epochs" holds 2, not a section/);
    expect(() => setKeyPath({}, '__proto__.polluted', 1)).toThrow(/expected a key path/);
  });
});

describe('parseSetFlag', () => {
  it('reads the value as YAML', () => {
    expect(parseSetFlag('optimizer.learningRate=1e-3')).toEqual({ keyPath: 'optimizer.learningRate', value: 0.001 });
    expect(parseSetFlag('head.sharedHead=false')).toEqual({ keyPath: 'head.sharedHead', value: false });
    expect(parseSetFlag('augmentation.globalScale=[0.25, 1]')).toEqual({ keyPath: 'augmentation.globalScale', value: [0.25, 1] });
    expect(parseSetFlag('backbone.preset=small')).toEqual({ keyPath: 'backbone.preset', value: 'small' });
  });

  it('refuses a flag without =', () => {
    expect(() => parseSetFlag('epochs')).toThrow(/expected key\.path=value/);
  });
});
