import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { importBackendPackage, installCommand, isBackendPackageInstalled, notInstalledError } from './backend-package.js';

const tfjsNodeInstalled = await isBackendPackageInstalled('tensorflow');

describe('backend packages', () => {
  it('pins the install command to the tfjs-core version in use', () => {
    expect(installCommand('tensorflow')).toBe(`npm install @tensorflow/tfjs-node@${tf.version_core}`);
    expect(installCommand('tensorflow-gpu')).toBe(`npm install @tensorflow/tfjs-node-gpu@${tf.version_core}`);
    expect(installCommand('wasm')).toBe(`npm install @tensorflow/tfjs-backend-wasm@${tf.version_core}`);
  });

  it('says which package is missing and how to install it', () => {
    const error = notInstalledError('tensorflow');
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.message).toContain('@tensorflow/tfjs-node');
    expect(error.message).toContain(installCommand('tensorflow'));
    expect(error.details).toMatchObject({ backend: 'tensorflow', package: '@tensorflow/tfjs-node' });
  });

  it('finds tfjs-backend-wasm, which this repository installs', async () => {
    expect(await isBackendPackageInstalled('wasm')).toBe(true);
  });

  it.skipIf(tfjsNodeInstalled)(
    'turns a missing tfjs-node into BACKEND_UNAVAILABLE with the install command',
    async () => {
      const error = await importBackendPackage('tensorflow').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isSslError(error, 'BACKEND_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toContain(installCommand('tensorflow'));
    },
  );
});
