import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  BEIT_FASHION_MNIST_REFERENCE,
  DINOV2_FASHION_MNIST_REFERENCE,
  DINO_FASHION_MNIST_REFERENCE,
  IBOT_FASHION_MNIST_REFERENCE,
  MAE_FASHION_MNIST_REFERENCE,
} from '@selfsup/ibot';
import { loadConfigFile } from './load-config-file.js';
import { parseCliConfig } from './parse-cli-config.js';
import { methodConfigOf } from './run-parts.js';

// the configuration files of examples/configs, which the README and the docs point at
const folder = fileURLToPath(new URL('../../../examples/configs/', import.meta.url));
const files = readdirSync(folder).filter((name) => name.endsWith('.yaml'));

const REFERENCES: Record<string, unknown> = {
  'ibot-fashion-mnist.yaml': IBOT_FASHION_MNIST_REFERENCE,
  'dino-fashion-mnist.yaml': DINO_FASHION_MNIST_REFERENCE,
  'dinov2-fashion-mnist.yaml': DINOV2_FASHION_MNIST_REFERENCE,
  'mae-fashion-mnist.yaml': MAE_FASHION_MNIST_REFERENCE,
  'beit-fashion-mnist.yaml': BEIT_FASHION_MNIST_REFERENCE,
};

describe('examples/configs', () => {
  it('holds the smoke, subset and reference configurations', () => {
    expect(files).toEqual(
      expect.arrayContaining(['smoke.yaml', 'mae-fashion-mnist-subset.yaml', 'ibot-fashion-mnist-subset.yaml', 'ibot-fashion-mnist.yaml']),
    );
  });

  it("is where `npm run pretrain` (the README's main job) takes its config from", () => {
    const manifest = JSON.parse(readFileSync(join(folder, '..', '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const configPath = /--config (\S+)/.exec(manifest.scripts['pretrain'] ?? '')?.[1];
    expect(configPath).toBe('examples/configs/mae-fashion-mnist-subset.yaml');
    const { config } = parseCliConfig(loadConfigFile(join(folder, '..', '..', configPath!)), configPath!);
    expect(config.data.dataset).toBe('fashion-mnist-subset');
    expect(config.data.heldOut).toBe('test');
  });

  it.each(files)('%s is valid and names the JSON Schema for editors', (name) => {
    const path = join(folder, name);
    const { config } = parseCliConfig(loadConfigFile(path), name);
    expect(config.run.outDir).toMatch(/^runs\//);
    const schemaLine = /^# yaml-language-server: \$schema=(\S+)$/m.exec(readFileSync(path, 'utf8'));
    expect(schemaLine).not.toBeNull();
    expect(existsSync(resolve(dirname(path), schemaLine![1]!))).toBe(true);
  });

  // after changing a preset, run packages/cli/scripts/generate-configs.ts
  it.each(Object.keys(REFERENCES))('%s is the reference preset of its method', (name) => {
    const { method, config } = parseCliConfig(loadConfigFile(join(folder, name)), name);
    expect(config.data.dataset).toBe('fashion-mnist');
    const preset = method.schema.parse(REFERENCES[name]);
    expect(methodConfigOf(config)).toEqual(preset);
  });
});
