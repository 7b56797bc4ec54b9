import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeFileSystemError, fileSystemErrorOf, isFileSystemError, withFileSystemPath } from './file-system-error.js';
import { temporaryFolder } from './testing/cli-harness.js';

async function caught(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the action to throw');
}

describe('file-system errors', () => {
  const folder = temporaryFolder('fs-error');

  it('describes a real EISDIR in one line with the path, the cause and advice', async () => {
    mkdirSync(join(folder, 'a-folder'));
    const error = await caught(() => writeFileSync(join(folder, 'a-folder'), 'x'));
    expect(isFileSystemError(error)).toBe(true);
    const line = describeFileSystemError(fileSystemErrorOf(error)!);
    expect(line).toBe(`${join(folder, 'a-folder')}: this is a folder, where a file was expected (EISDIR, open). Pass the path of a file, e.g. <folder>/backbone.safetensors.`);
  });

  it('finds the error in a cause chain, and names a path Node.js did not give (a write to a full device)', async (context) => {
    if (!existsSync('/dev/full')) context.skip('/dev/full (a device that is always full) is missing on this system');
    const handle = await open('/dev/full', 'w');
    const error = await caught(() => handle.writeFile('some bytes'));
    await handle.close();
    const found = fileSystemErrorOf(new Error('saving failed', { cause: error }));
    expect(found?.code).toBe('ENOSPC');
    expect(found?.path).toBeUndefined();
    withFileSystemPath(error, '/runs/a/config.yaml');
    expect(describeFileSystemError(found!, (p) => p.replace('/runs/', ''))).toMatch(
      /^a\/config\.yaml: no space left on the device \(ENOSPC, write\)\. Free some space on that disk, or write elsewhere/,
    );
    withFileSystemPath(error, '/runs/b', 'folder'); // a path is kept once named
    expect(describeFileSystemError(found!)).toMatch(/^\/runs\/a\/config\.yaml: /);
  });

  it('says "a file in <folder>" when only the folder is known', async (context) => {
    if (!existsSync('/dev/full')) context.skip('/dev/full (a device that is always full) is missing on this system');
    const handle = await open('/dev/full', 'w');
    const error = await caught(() => handle.writeFile('some bytes'));
    await handle.close();
    withFileSystemPath(error, '/runs/a', 'folder');
    expect(describeFileSystemError(fileSystemErrorOf(error)!)).toMatch(/^a file in \/runs\/a: no space left on the device \(ENOSPC, write\)\. /);
  });

  it('is not fooled by errors that only look alike', () => {
    expect(isFileSystemError(Object.assign(new Error('x'), { code: 'INVALID_CONFIG' }))).toBe(false);
    expect(isFileSystemError({ code: 'ENOSPC', syscall: 'write' })).toBe(false);
    expect(fileSystemErrorOf(new Error('plain'))).toBeUndefined();
  });
});
