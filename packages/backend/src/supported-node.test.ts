import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSslError } from '@selfsup/core';
import { assertSupportedNode, isSupportedNodeVersion, MINIMUM_NODE_VERSION } from './supported-node.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const repositoryRoot = join(packageRoot, '..', '..');

function thrownBy(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('assertSupportedNode', () => {
  it('refuses Node.js 18 and 20.18 with a message naming the version found, the one needed and how to get it', () => {
    for (const version of ['18.20.8', '20.18.3', 'v16.0.0']) {
      const error = thrownBy(() => assertSupportedNode(version));
      expect(isSslError(error, 'NOT_SUPPORTED')).toBe(true);
      const message = (error as Error).message;
      expect(message).toContain(`Node.js ${version}`);
      expect(message).toContain(`Node.js ${MINIMUM_NODE_VERSION} or newer`);
      expect(message).toContain('nvm install --lts');
      expect((error as { details: unknown }).details).toEqual({ nodeVersion: version, required: `>=${MINIMUM_NODE_VERSION}` });
    }
  });

  it('accepts 20.19.0 and newer, an unreadable version, and no Node.js at all', () => {
    for (const version of ['20.19.0', '20.20.2', '21.0.0', '22.1.0-pre', '24.0.0', 'unknown', undefined]) {
      expect(() => assertSupportedNode(version)).not.toThrow();
    }
    expect(isSupportedNodeVersion('20.18.99')).toBe(false);
    expect(isSupportedNodeVersion('19.99.0')).toBe(false);
    expect(isSupportedNodeVersion(process.versions.node)).toBe(true);
  });

  it('knows the engines.node of every package (root, packages/*)', () => {
    const manifests = [join(repositoryRoot, 'package.json')];
    for (const name of readdirSync(join(repositoryRoot, 'packages'))) {
      const path = join(repositoryRoot, 'packages', name, 'package.json');
      if (existsSync(path)) manifests.push(path);
    }
    const [major, minor] = MINIMUM_NODE_VERSION.split('.');
    for (const path of manifests) {
      const engines = (JSON.parse(readFileSync(path, 'utf8')) as { engines?: { node?: string } }).engines;
      expect(engines?.node, path).toBe(`>=${major}.${minor}`);
    }
  });

  it('is what useBackend checks first: a process that reports Node.js 18.20.8 gets NOT_SUPPORTED naming it', () => {
    const script = `
      Object.defineProperty(process.versions, 'node', { value: '18.20.8' });
      const { useBackend } = await import('./src/use-backend.ts');
      try {
        await useBackend('cpu');
        console.log(JSON.stringify({ ran: true }));
      } catch (error) {
        console.log(JSON.stringify({ code: error.code, message: error.message }));
      }
    `;
    const output = execFileSync(process.execPath, ['--conditions=@selfsup/source', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: packageRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const result = JSON.parse(output.trim().split('\n').at(-1)!) as { code?: string; message?: string };
    expect(result.code).toBe('NOT_SUPPORTED');
    expect(result.message).toContain('this process runs Node.js 18.20.8');
  });
});
