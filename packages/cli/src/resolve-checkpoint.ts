import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { latestCheckpoint } from '@selfsup/train/node';
import { displayPath } from './cli-io.js';
import { usageError } from './usage-error.js';

/**
 * The checkpoint file `path` names: the file itself, or the latest checkpoint of a run folder
 * (its `checkpoints/` folder) or of a checkpoints folder.
 * @throws SslError (usage) when there is none.
 */
export async function resolveCheckpoint(path: string, cwd: string): Promise<string> {
  const full = resolve(cwd, path);
  const info = await stat(full).catch(() => undefined);
  if (!info) {
    throw usageError(`--checkpoint: ${path} does not exist. Pass a checkpoint written by selfsup pretrain (runs/<name>/checkpoints/*.safetensors) or its run folder.`);
  }
  if (info.isFile()) return full;
  const folder = basename(full) !== 'checkpoints' && (await stat(join(full, 'checkpoints')).catch(() => undefined))?.isDirectory() ? join(full, 'checkpoints') : full;
  const latest = await latestCheckpoint(folder);
  if (latest === undefined) {
    throw usageError(`--checkpoint: ${path} holds no checkpoint (looked in ${displayPath(folder, cwd)}). Pass a run folder of selfsup pretrain that has saved one, or a checkpoint file.`);
  }
  return latest;
}
