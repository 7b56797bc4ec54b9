import { statSync } from 'node:fs';
import { join } from 'node:path';
import { SslError } from '@selfsup/core';

/**
 * Checks, before any image is decoded, that an image folder has a subfolder for each split the run
 * reads (`train`, and `data.heldOut` when it names one), and refuses it with `INVALID_CONFIG`
 * naming the key and the layout otherwise: `data.folder` when `train/` is missing (the usual
 * mistake: pointing at the class folders themselves), `data.heldOut` when only its split is.
 */
export function checkImageFolderSplits(folder: string, heldOut: string | undefined): void {
  const missing = (split: string) => !isFolder(join(folder, split));
  const layout = `${folder}/<split>/<class>/<image>.png|jpg, with <split> train${heldOut ? ` and ${heldOut}` : ''}`;
  if (missing('train')) {
    throw new SslError(
      'INVALID_CONFIG',
      `data.folder: expected ${layout}, got no folder ${join(folder, 'train')}. ` +
        `Point data.folder at the folder above train/ (not at the class folders), or move the class folders into ${join(folder, 'train')}.`,
      { details: { key: 'data.folder', expected: layout, actual: folder } },
    );
  }
  if (heldOut !== undefined && missing(heldOut)) {
    throw new SslError(
      'INVALID_CONFIG',
      `data.heldOut: expected a folder ${join(folder, heldOut)} (${layout}), got none. ` +
        'Add that split, or set data.heldOut to none, to another split, or to { from: train, last: <images> } to hold out the last training images.',
      { details: { key: 'data.heldOut', expected: join(folder, heldOut), actual: heldOut } },
    );
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
