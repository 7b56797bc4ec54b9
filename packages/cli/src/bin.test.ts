import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryFolder, tinyConfig, writeConfig } from './testing/cli-harness.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function selfsup(args: string[]) {
  return spawnSync(process.execPath, ['--conditions=@selfsup/source', '--import', 'tsx', join(root, 'packages/cli/src/bin.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
}

describe('bin', () => {
  it('runs as a program: exit code 2 and one message for an invalid config, 0 for --help', () => {
    const folder = temporaryFolder('bin');
    const path = writeConfig(folder, 'bad.yaml', { ...tinyConfig(join(folder, 'out')), epochs: 'two' });
    const refused = selfsup(['pretrain', '--config', path]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^error \(INVALID_CONFIG\): .*bad\.yaml is invalid:\n {2}- epochs: expected number, got "two"\n$/);
    const help = selfsup(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^selfsup: self-supervised pretraining/);
  });
});
