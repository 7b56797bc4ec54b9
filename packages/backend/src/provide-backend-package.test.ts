import * as wasmPackage from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { importBackendPackage, isBackendPackageInstalled } from './backend-package.js';
import { provideBackendPackage } from './index.js';
import { importNodeBuiltin, isNodeRuntime } from './node-builtins.js';

describe('provideBackendPackage', () => {
  it('hands useBackend the package the app imported (what a browser bundle does)', async () => {
    provideBackendPackage('wasm', wasmPackage);
    expect(await importBackendPackage('wasm')).toBe(wasmPackage);
    expect(await isBackendPackageInstalled('wasm')).toBe(true);
  });

  it('refuses a backend that runs only in Node.js, and a module that is not an object', () => {
    expect(() => provideBackendPackage('native' as 'wasm', {})).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/"wasm" or "webgpu", got "native"/) }),
    );
    expect(() => provideBackendPackage('webgpu', undefined)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/import \* as m from '@tensorflow\/tfjs-backend-webgpu'.*got undefined/) }),
    );
  });
});

describe('importNodeBuiltin', () => {
  it('loads a Node.js built-in in Node.js', async () => {
    expect(isNodeRuntime()).toBe(true);
    const os = await importNodeBuiltin('os');
    expect(typeof os.availableParallelism).toBe('function');
  });
});
