import { isAbsolute } from 'node:path';
import { SslError, isSslError } from '@selfsup/core';
import type { CliConfig } from './cli-config-schema.js';

/**
 * The run's data as the checkpoint's configuration names it, with a hint when it cannot be found
 * because `data.folder` is relative and the command runs from another folder than the run did.
 */
export async function withStoredDataHint<T>(loading: Promise<T>, data: CliConfig['data'], cwd: string): Promise<T> {
  try {
    return await loading;
  } catch (error) {
    const folder = data.folder;
    if (!isSslError(error, 'INVALID_CONFIG') || error.details.key !== 'data.folder' || folder === undefined || isAbsolute(folder)) throw error;
    throw new SslError(
      'INVALID_CONFIG',
      `${error.message} (data.folder is "${folder}" in the configuration stored in the checkpoint, read from ${cwd}: ` +
        'run the command from the folder the run was started in.)',
      { cause: error, details: error.details },
    );
  }
}
