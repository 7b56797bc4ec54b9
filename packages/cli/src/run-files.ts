import { appendFileSync } from 'node:fs';
import { writeFileAtomic } from '@selfsup/train/node';
import { withFileSystemPath } from './file-system-error.js';

/** Writes a file of the run folder atomically; a file-system error names the file. */
export async function writeRunFile(path: string, content: string | Uint8Array): Promise<void> {
  try {
    await writeFileAtomic(path, content);
  } catch (error) {
    throw withFileSystemPath(error, path);
  }
}

/** Appends lines to a file of the run folder; a file-system error names the file. */
export function appendRunFile(path: string, text: string): void {
  try {
    appendFileSync(path, text);
  } catch (error) {
    throw withFileSystemPath(error, path);
  }
}
