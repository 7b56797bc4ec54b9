import { describe, expect, it } from 'vitest';
import { configKeys, describeConfig, describeType } from './describe-config.js';

describe('configKeys', () => {
  it('lists every leaf key of the iBOT config with its default', () => {
    const keys = new Map(configKeys('ibot').map((k) => [k.key, k]));
    expect(keys.get('optimizer.learningRate')).toMatchObject({ defaultValue: '0.0005', type: 'number > 0' });
    expect(keys.get('masking.ratio')).toMatchObject({ defaultValue: '[0, 0.3]' });
    expect(keys.get('backbone.embedDim')).toMatchObject({ defaultValue: '(none)', type: 'integer > 0' });
    expect(keys.get('run.knnK')).toMatchObject({ defaultValue: '20' });
    expect(keys.get('data.dataset')).toMatchObject({ defaultValue: 'fashion-mnist-subset' });
    expect(keys.get('method')).toMatchObject({ defaultValue: '(required)', type: 'ibot' });
    expect(keys.has('backbone')).toBe(false); // sections are descended into
    // the backbone is a union by arch: each key once, every architecture's
    expect(keys.get('backbone.arch')).toMatchObject({ defaultValue: 'vit' });
    expect(keys.get('backbone.arch')!.type).toMatch(/vit.*\|.*swin/);
    expect(keys.get('backbone.depth')).toMatchObject({ type: 'integer >= 0' });
    expect(keys.get('backbone.windowSize')).toMatchObject({ defaultValue: '7' });
  });
});

describe('describeType', () => {
  it('describes bounds, enums, tuples, lists and unions', () => {
    expect(describeType({ type: 'number', minimum: 0, maximum: 1 })).toBe('number in [0, 1]');
    expect(describeType({ type: 'integer', exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER })).toBe('integer > 0');
    expect(describeType({ type: 'string', enum: ['a', 'b'] })).toBe('a | b');
    expect(describeType({ type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }] })).toBe('[number, number]');
    expect(describeType({ type: 'array', items: { type: 'number' }, minItems: 1 })).toBe('list of number (at least 1)');
    expect(describeType({ anyOf: [{ type: 'number' }, { type: 'boolean' }] })).toBe('number or boolean');
  });
});

describe('describeConfig', () => {
  it('prints one aligned line per key, defaults in the second column', () => {
    const text = describeConfig('ibot', 200);
    const line = text.split('\n').find((l) => l.trimStart().startsWith('batchSize'))!;
    expect(line).toMatch(/^ {2}batchSize +128 +integer > 0/);
    expect(text).toContain('run.knnTemperature');
  });
});
