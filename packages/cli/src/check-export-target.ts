import { accessSync, constants, readdirSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LATEST_FILE } from '@selfsup/train/node';
import { usageError } from './usage-error.js';

/** Options of {@link checkExportTarget}. */
export interface ExportTargetOptions {
  /** Replace an existing file (never the checkpoint read, nor a file of a checkpoints folder). */
  readonly force: boolean;
  /** How a path is shown in messages (e.g. relative to the working folder). */
  readonly show: (path: string) => string;
}

const CHECKPOINT_FILE = /^step-\d+\.safetensors$/;

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Whether `dir` is a run's checkpoints folder: it holds `latest.json` or `step-<n>.safetensors` files. */
export function isCheckpointsFolder(dir: string): boolean {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return false;
  }
  return names.some((name) => name === LATEST_FILE || CHECKPOINT_FILE.test(name));
}

/**
 * Checks where `selfsup export` is about to write, before anything is read or written, so that an
 * export never harms a run: `out` must not be the checkpoint it reads (compared as files, by
 * device and inode, so a symbolic or hard link to it is refused too), must not lie in a run's
 * checkpoints folder, must not be a folder, must not exist unless `force`, and must be in a folder
 * that can be made and written (the nearest existing part of its path a writable folder).
 *
 * @param out - the absolute path to write.
 * @param checkpoint - the absolute path of the checkpoint read.
 * @throws SslError `INVALID_ARGUMENT` (usage, exit code 2) naming `--out`, the reason and the fix.
 * @example
 * ```ts
 * checkExportTarget('/runs/a/backbone.safetensors', '/runs/a/checkpoints/step-2.safetensors', { force: false, show: (p) => p });
 * ```
 */
export function checkExportTarget(out: string, checkpoint: string, options: ExportTargetOptions): void {
  const shown = options.show(out);
  const target = statOf(out);
  const source = statOf(checkpoint);
  if (target?.isDirectory()) {
    throw usageError(`--out ${shown} is a folder; pass the path of a file to write, e.g. ${join(shown, 'backbone.safetensors')}.`, { out });
  }
  if (target && source && target.dev === source.dev && target.ino === source.ino) {
    throw usageError(
      `--out ${shown} is the checkpoint it reads (${options.show(checkpoint)}): exporting would replace the run's checkpoint. ` +
        `Pass another path, e.g. ${join(options.show(runFolderOf(checkpoint)), 'backbone.safetensors')}.`,
      { out, checkpoint },
    );
  }
  const folder = dirname(out);
  if (isCheckpointsFolder(folder)) {
    throw usageError(
      `--out ${shown}: ${options.show(folder)} is the checkpoints folder of a run (it holds ${LATEST_FILE} or step-<n>.safetensors), ` +
        `which only selfsup pretrain writes. Pass a path outside it, e.g. ${join(options.show(dirname(folder)), basename(out))}.`,
      { out },
    );
  }
  if (target && !options.force) {
    throw usageError(`--out ${shown} already exists. Pass --force to replace it, or choose another path.`, { out });
  }
  checkCanCreateIn(folder, shown, options.show);
}

/**
 * Refuses an `--out` whose folder cannot be made or written: the nearest part of the path that
 * exists must be a folder this process may write in (the export creates the folders below it).
 */
function checkCanCreateIn(folder: string, shown: string, show: (path: string) => string): void {
  let existing = folder;
  while (!statOf(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const info = statOf(existing);
  if (info && !info.isDirectory()) {
    throw usageError(`--out ${shown}: ${show(existing)} is a file, so no folder can be made there. Pass a path in a folder.`, { out: shown });
  }
  try {
    accessSync(existing, constants.W_OK);
  } catch (error) {
    throw usageError(
      `--out ${shown}: the folder ${show(existing)} cannot be written (${(error as NodeJS.ErrnoException).code ?? String(error)}). Pass a path in a folder you can write to.`,
      { out: shown },
    );
  }
}

/** The run folder of a checkpoint: the folder above `checkpoints/`, else the checkpoint's own folder. */
function runFolderOf(checkpoint: string): string {
  const folder = dirname(checkpoint);
  return basename(folder) === 'checkpoints' ? dirname(folder) : folder;
}
