import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SslError } from '@selfsup/core';
import { loadConfigFile } from './load-config-file.js';
import { temporaryFolder } from './testing/cli-harness.js';

describe('loadConfigFile', () => {
  const folder = temporaryFolder('load');
  const write = (name: string, text: string) => {
    writeFileSync(join(folder, name), text);
    return join(folder, name);
  };

  it('reads YAML and JSON to the same value', () => {
    const yaml = loadConfigFile(write('a.yaml', 'method: ibot\nepochs: 2\nbackbone:\n  embedDim: 16\nmasking:\n  ratio: [0, 0.3]\n'));
    const json = loadConfigFile(write('a.json', '{"method":"ibot","epochs":2,"backbone":{"embedDim":16},"masking":{"ratio":[0,0.3]}}'));
    expect(yaml).toEqual({ method: 'ibot', epochs: 2, backbone: { embedDim: 16 }, masking: { ratio: [0, 0.3] } });
    expect(json).toEqual(yaml);
  });

  it('refuses broken syntax and duplicate keys with the position', () => {
    expect(() => loadConfigFile(write('b.yaml', 'method: ibot\nepochs: 1\nepochs: 2\n'))).toThrow(/not valid YAML \(line 3, column 1\)/);
    expect(() => loadConfigFile(write('b.json', '{"method": "ibot",}'))).toThrow(/not valid JSON/);
    // JSON.parse would keep the last epochs without a word
    expect(() => loadConfigFile(write('c.json', '{\n  "method": "ibot",\n  "epochs": 1,\n  "epochs": 2\n}'))).toThrow(/c\.json is not valid JSON for a config \(line 4, column 3\): a key appears twice/);
    expect(loadConfigFile(write('d.json', '{"a": {"epochs": 1}, "epochs": 2}'))).toEqual({ a: { epochs: 1 }, epochs: 2 });
  });

  it('refuses a YAML alias bomb as an invalid configuration, before expanding it', () => {
    // each line repeats the previous one 9 times: 9^7 = 4.8 million strings from 700 bytes
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 6; i++) lines.push(`a${i}: &a${i} [${new Array(9).fill(`*a${i - 1}`).join(', ')}]`);
    const path = write('bomb.yaml', `${lines.join('\n')}\nmethod: ibot\n`);
    let caught: unknown;
    try {
      loadConfigFile(path);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SslError);
    expect((caught as SslError).code).toBe('INVALID_CONFIG');
    expect((caught as Error).message).toMatch(/bomb\.yaml: its YAML aliases .*expand/);
    expect((caught as Error).message).toMatch(/Write the values out/);
  });

  it('says when the file cannot be read', () => {
    try {
      loadConfigFile(join(folder, 'missing.yaml'));
      throw new Error('expected an error');
    } catch (error) {
      expect((error as SslError).details.usage).toBe(true);
      expect((error as Error).message).toMatch(/missing\.yaml: the file cannot be read \(ENOENT\)/);
    }
  });
});
