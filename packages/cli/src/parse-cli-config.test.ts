import { describe, expect, it } from 'vitest';
import { SslError } from '@selfsup/core';
import { nearest, parseCliConfig } from './parse-cli-config.js';

function problems(input: unknown): string {
  try {
    parseCliConfig(input, 'test.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(SslError);
    expect((error as SslError).code).toBe('INVALID_CONFIG');
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('parseCliConfig', () => {
  it('fills every default of the method, data and run sections', () => {
    const { method, config } = parseCliConfig({ method: 'ibot', epochs: 3 }, 'test.yaml');
    expect(method.name).toBe('ibot');
    expect(config.epochs).toBe(3);
    expect(config.batchSize).toBe(128); // the iBOT schema's default
    expect(config.data).toEqual({ dataset: 'fashion-mnist-subset', download: false, heldOut: 'test' });
    expect(config.run.knnK).toBe(20);
    expect(config.run.knnTemperature).toBe(0.07);
  });

  it('refuses a typo, naming the key and the nearest valid one', () => {
    const message = problems({ method: 'ibot', optimizer: { learningrate: 1e-3 } });
    expect(message).toMatch(/optimizer\.learningrate: unknown key \(did you mean "learningRate"\?\)/);
    expect(problems({ method: 'ibot', epochz: 3 })).toMatch(/epochz: unknown key \(did you mean "epochs"\?\)/);
  });

  it('refuses a wrong type with the expected type and the actual value', () => {
    expect(problems({ method: 'ibot', batchSize: '64' })).toMatch(/batchSize: expected number, got "64"/);
    expect(problems({ method: 'ibot', backbone: { patchSize: 2.5 } })).toMatch(/backbone\.patchSize: expected an integer, got 2\.5/);
  });

  it('refuses an impossible value with the bound and the actual value', () => {
    expect(problems({ method: 'ibot', masking: { ratio: 1.5 } })).toMatch(/masking\.ratio: expected a number <= 1, got 1\.5/);
    expect(problems({ method: 'ibot', epochs: 0 })).toMatch(/epochs: expected a number > 0, got 0/);
    expect(problems({ method: 'ibot', run: { knnOf: ['teachr'] } })).toMatch(/run\.knnOf\.0: expected "teacher" or "student", got "teachr"/);
  });

  it('reports every problem at once, one line each', () => {
    const message = problems({ method: 'ibot', batchSize: '64', epochs: -1, seeed: 1 });
    expect(message.split('\n').filter((line) => line.startsWith('  - '))).toHaveLength(3);
  });

  it('follows the branch of a union that got furthest', () => {
    expect(problems({ method: 'ibot', masking: { variance: [0.1, 'x'] } })).toMatch(/masking\.variance\.1: expected number, got "x"/);
  });

  it('checks the data section across keys', () => {
    expect(problems({ method: 'ibot', data: { dataset: 'mnist' } })).toMatch(/data\.folder: expected a folder for dataset mnist/);
    expect(problems({ method: 'ibot', data: { heldOut: 'val' } })).toMatch(/data\.heldOut: expected "test" or "none"/);
  });

  it('refuses an unknown or missing method, listing the registered ones', () => {
    expect(problems({ method: 'byol' })).toMatch(/method: expected one of "ibot".*got "byol"/);
    expect(problems({ epochs: 1 })).toMatch(/method: missing/);
    expect(problems([1, 2])).toMatch(/expected a mapping of keys/);
  });

  it('accepts the $schema key editors add to JSON files', () => {
    expect(parseCliConfig({ $schema: './schema.json', method: 'ibot' }, 'a.json').config.method).toBe('ibot');
  });
});

describe('nearest', () => {
  it('matches case-insensitively first, then within a third of the length in edits', () => {
    expect(nearest('batchsize', ['batchSize', 'epochs'])).toBe('batchSize');
    expect(nearest('epoch', ['batchSize', 'epochs'])).toBe('epochs'); // 1 insertion
    expect(nearest('zzz', ['batchSize', 'epochs'])).toBeUndefined();
  });
});
