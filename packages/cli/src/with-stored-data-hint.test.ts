import { describe, expect, it } from 'vitest';
import { SslError } from '@selfsup/core';
import type { CliConfig } from './cli-config-schema.js';
import { withStoredDataHint } from './with-stored-data-hint.js';

const data = (folder?: string) => ({ dataset: 'image-folder', download: false, heldOut: 'test', ...(folder ? { folder } : {}) }) as CliConfig['data'];
const missing = () => Promise.reject(new SslError('INVALID_CONFIG', 'data.folder: expected images/<split>/<class>/<image>, got no folder images/train.', { details: { key: 'data.folder' } }));

describe('withStoredDataHint', () => {
  it('says that a relative data.folder of a stored configuration is read from the folder the command runs in', async () => {
    const error = await withStoredDataHint(missing(), data('images'), '/somewhere/else').catch((e: unknown) => e as SslError);
    expect(error).toBeInstanceOf(SslError);
    expect(error!.code).toBe('INVALID_CONFIG');
    expect(error!.message).toMatch(/got no folder images\/train\. \(data\.folder is "images" in the configuration stored in the checkpoint, read from \/somewhere\/else: run the command from the folder the run was started in\.\)$/);
    expect(error!.details.key).toBe('data.folder');
  });

  it('leaves other errors, absolute folders and loaded data alone', async () => {
    for (const folder of ['/data/images', undefined]) {
      const error = await withStoredDataHint(missing(), data(folder), '/x').catch((e: unknown) => e as Error);
      expect(error!.message).not.toMatch(/stored in the checkpoint/);
    }
    await expect(withStoredDataHint(Promise.resolve(7), data('images'), '/x')).resolves.toBe(7);
    const channels = Promise.reject(new SslError('INVALID_CONFIG', 'backbone.inChannels: expected 3', { details: { key: 'backbone.inChannels' } }));
    expect(((await withStoredDataHint(channels, data('images'), '/x').catch((e: unknown) => e)) as Error).message).toBe('backbone.inChannels: expected 3');
  });
});
