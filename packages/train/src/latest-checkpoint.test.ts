import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointFileName, latestCheckpoint, listCheckpoints } from './latest-checkpoint.js';
import { removeTempDirs, tempDir } from './testing/helpers.js';

afterAll(removeTempDirs);

function touch(dir: string, name: string, content = 'x'): void {
  writeFileSync(join(dir, name), content);
}

function latestJson(file: string, step: number): string {
  return JSON.stringify({ format: 'selfsup.latest.v1', file, step, epoch: 0, createdAt: '2025-01-01T00:00:00.000Z' });
}

describe('latestCheckpoint', () => {
  it('follows latest.json', async () => {
    const dir = tempDir();
    for (const step of [2, 10, 4]) touch(dir, checkpointFileName(step));
    touch(dir, 'latest.json', latestJson('step-4.safetensors', 4));
    expect(await latestCheckpoint(dir)).toBe(join(dir, 'step-4.safetensors'));
  });

  it('falls back to the highest step when latest.json is missing, damaged or names a missing file', async () => {
    const dir = tempDir();
    for (const step of [2, 10, 9]) touch(dir, checkpointFileName(step));
    // temporary files of an interrupted save and other files are not checkpoints
    touch(dir, '.step-12.safetensors.tmp-123-abcd0123');
    touch(dir, 'step-11.safetensors.bak');
    expect(await latestCheckpoint(dir)).toBe(join(dir, 'step-10.safetensors'));
    touch(dir, 'latest.json', '{"format": "selfsup.la');
    expect(await latestCheckpoint(dir)).toBe(join(dir, 'step-10.safetensors'));
    touch(dir, 'latest.json', latestJson('step-7.safetensors', 7));
    expect(await latestCheckpoint(dir)).toBe(join(dir, 'step-10.safetensors'));
    expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([10, 9, 2]);
  });

  it('is undefined for an empty or missing folder', async () => {
    const dir = tempDir();
    expect(await latestCheckpoint(dir)).toBeUndefined();
    mkdirSync(join(dir, 'sub'));
    expect(await latestCheckpoint(join(dir, 'nothing-here'))).toBeUndefined();
  });
});
