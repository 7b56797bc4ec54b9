import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTemporaryFiles, writeFileAtomic } from './atomic-write.js';
import { removeTempDirs, tempDir } from './testing/helpers.js';

afterAll(removeTempDirs);

describe('writeFileAtomic', () => {
  it('replaces a file whole and leaves no temporary file', async () => {
    const dir = tempDir();
    const path = join(dir, 'latest.json');
    await writeFileAtomic(path, 'first');
    await writeFileAtomic(path, new Uint8Array([115, 101, 99, 111, 110, 100])); // "second"
    expect(readFileSync(path, 'utf8')).toBe('second');
    expect(readdirSync(dir)).toEqual(['latest.json']);
  });

  it('removes its temporary file and leaves the target alone when the rename fails', async () => {
    const dir = tempDir();
    const target = join(dir, 'step-1.safetensors');
    mkdirSync(target); // a folder in the way: rename(file, folder) fails
    writeFileSync(join(target, 'inside'), 'kept');
    await expect(writeFileAtomic(target, 'bytes')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['step-1.safetensors']);
    expect(readFileSync(join(target, 'inside'), 'utf8')).toBe('kept');
  });
});

describe('removeTemporaryFiles', () => {
  it('removes what a killed writer left, and nothing else', async () => {
    const dir = tempDir();
    for (const name of ['.step-4.safetensors.tmp-1234-0a1b2c3d', '.latest.json.tmp-99-ffff0000', 'step-3.safetensors', '.hidden', 'notes.tmp-1-ab']) {
      writeFileSync(join(dir, name), 'x');
    }
    expect((await removeTemporaryFiles(dir)).sort()).toEqual(['.latest.json.tmp-99-ffff0000', '.step-4.safetensors.tmp-1234-0a1b2c3d']);
    expect(readdirSync(dir).sort()).toEqual(['.hidden', 'notes.tmp-1-ab', 'step-3.safetensors']);
    expect(await removeTemporaryFiles(join(dir, 'missing'))).toEqual([]);
  });
});
