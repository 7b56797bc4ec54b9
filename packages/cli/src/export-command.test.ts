import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '@selfsup/core';
import { run, temporaryFolder, tinyConfig, writeConfig } from './testing/cli-harness.js';

describe('selfsup export keeps the run it reads', () => {
  const folder = temporaryFolder('export');
  const outDir = join(folder, 'run');
  const checkpoints = join(outDir, 'checkpoints');
  const checkpoint = join(checkpoints, 'step-2.safetensors');
  let config: string;
  let original: Buffer;

  beforeAll(async () => {
    const tiny = tinyConfig(outDir);
    config = writeConfig(folder, 'tiny.yaml', { ...tiny, data: { heldOut: 'none' }, run: { ...(tiny.run as object), plot: false } });
    const first = await run(['pretrain', '--config', config, '--steps', '2'], folder);
    expect(first.code, first.err).toBe(0);
    original = readFileSync(checkpoint);
  });

  const unchanged = () => expect(readFileSync(checkpoint).equals(original)).toBe(true);

  it('refuses to write over its input (exit 2), even with --force; the checkpoint stays byte-identical and resumes', async () => {
    for (const force of [[], ['--force']]) {
      const result = await run(['export', '--checkpoint', checkpoint, '--out', checkpoint, ...force], folder);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(/^error \(INVALID_ARGUMENT\): --out .*step-2\.safetensors is the checkpoint it reads/);
      expect(result.err.trim().split('\n')).toHaveLength(1);
      unchanged();
    }
    const resumed = await run(['pretrain', '--config', config, '--steps', '2', '--epochs', '2', '--resume'], folder);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toMatch(/^done: step 4\/4/);
  });

  it('refuses an --out that is the checkpoint under another name: a symbolic link, a hard link', async () => {
    const elsewhere = join(folder, 'elsewhere');
    mkdirSync(elsewhere, { recursive: true });
    symlinkSync(checkpoint, join(elsewhere, 'symlink.safetensors'));
    linkSync(checkpoint, join(elsewhere, 'hardlink.safetensors'));
    for (const name of ['symlink.safetensors', 'hardlink.safetensors']) {
      const result = await run(['export', '--checkpoint', checkpoint, '--out', join(elsewhere, name), '--force'], folder);
      expect(result.code, name).toBe(2);
      expect(result.err).toMatch(/is the checkpoint it reads/);
      unchanged();
    }
  });

  it("refuses to write into a run's checkpoints folder", async () => {
    const result = await run(['export', '--checkpoint', checkpoint, '--out', join(checkpoints, 'backbone.safetensors')], folder);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/--out .*checkpoints.*is the checkpoints folder of a run/);
    expect(existsSync(join(checkpoints, 'backbone.safetensors'))).toBe(false);
  });

  it('refuses an existing --out unless --force, then replaces it atomically (no temporary file left)', async () => {
    const target = join(folder, 'exports', 'backbone.safetensors');
    mkdirSync(join(folder, 'exports'), { recursive: true });
    writeFileSync(target, 'an earlier export');
    const refused = await run(['export', '--checkpoint', checkpoint, '--out', target], folder);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--out .*backbone\.safetensors already exists.*--force/);
    expect(readFileSync(target, 'utf8')).toBe('an earlier export');
    const forced = await run(['export', '--checkpoint', checkpoint, '--out', target, '--force'], folder);
    expect(forced.code, forced.err).toBe(0);
    expect(readSafetensors(new Uint8Array(readFileSync(target))).metadata).toMatchObject({ selfsup_step: '2', selfsup_backbone: 'teacher' });
    expect(readdirSync(join(folder, 'exports'))).toEqual(['backbone.safetensors']);
    unchanged();
  });

  it('says clearly that --out is a folder (exit 2), where it failed with EISDIR', async () => {
    mkdirSync(join(folder, 'a-folder'), { recursive: true });
    const result = await run(['export', '--checkpoint', checkpoint, '--out', join(folder, 'a-folder')], folder);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^error \(INVALID_ARGUMENT\): --out .*a-folder is a folder; pass the path of a file to write, e\.g\. .*a-folder\/backbone\.safetensors\.\n$/);
  });

  it('refuses an --out below a file (no folder can be made there), or ending in a slash, before it opens the checkpoint', async () => {
    writeFileSync(join(folder, 'a-file'), 'x');
    const result = await run(['export', '--checkpoint', checkpoint, '--out', join(folder, 'a-file', 'sub', 'backbone.safetensors')], folder);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^error \(INVALID_ARGUMENT\): --out .*a-file\/sub\/backbone\.safetensors: .*a-file is a file, so no folder can be made there\./);
    // a trailing slash names a folder: refused, not written as a file named "new-exports"
    const slash = await run(['export', '--checkpoint', checkpoint, '--out', 'new-exports/'], folder);
    expect(slash.code).toBe(2);
    expect(slash.err).toMatch(/--out new-exports\/ names a folder; pass the path of a file to write, e\.g\. new-exports\/backbone\.safetensors\./);
    expect(existsSync(join(folder, 'new-exports'))).toBe(false);
    unchanged();
  });
});
