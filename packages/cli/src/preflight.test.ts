import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { preflightProblem } from './preflight.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')) as {
  engines: { node: string };
  peerDependencies: Record<string, string>;
};
const installed = (specifier: string) => `/node_modules/${specifier}/index.js`;

describe('preflightProblem', () => {
  it('passes on this Node.js with tfjs-core installed', () => {
    expect(preflightProblem()).toBeUndefined();
    expect(preflightProblem({ nodeVersion: '20.19.0', resolve: installed })).toBeUndefined();
    expect(preflightProblem({ nodeVersion: '24.1.0', resolve: installed })).toBeUndefined();
  });

  it('names the Node.js found, the range of engines.node and how to get a newer one', () => {
    const problem = preflightProblem({ nodeVersion: '18.20.8', resolve: installed });
    expect(problem).toMatch(/^error \(NOT_SUPPORTED\): selfsup needs Node\.js >=20\.19 /);
    expect(problem).toContain(`Node.js ${manifest.engines.node}`);
    expect(problem).toContain('but this is Node.js 18.20.8');
    expect(problem).toContain('nvm install --lts');
    expect(preflightProblem({ nodeVersion: '20.18.3', resolve: installed })).toContain('this is Node.js 20.18.3');
  });

  it('names the npm command that installs a missing @tensorflow/tfjs-core, at the peer range', () => {
    const problem = preflightProblem({
      nodeVersion: process.versions.node,
      resolve: (specifier) => {
        if (specifier === '@tensorflow/tfjs-core') throw Object.assign(new Error(`Cannot find module '${specifier}'`), { code: 'MODULE_NOT_FOUND' });
        return installed(specifier);
      },
    });
    expect(problem).toBe(
      'error: @tensorflow/tfjs-core is not installed. @selfsup/cli and the selfsup packages it loads need it as a peer dependency ' +
        `(one copy per application, shared with your own code). Install it with: npm install @tensorflow/tfjs-core@${manifest.peerDependencies['@tensorflow/tfjs-core']}`,
    );
  });

  it('stops the selfsup executable before it loads the CLI: exit code 1 and the one message', () => {
    const pretendNode18 = `data:text/javascript,Object.defineProperty(process.versions,"node",{value:"18.20.8"})`;
    const result = spawnSync(
      process.execPath,
      ['--import', pretendNode18, '--conditions=@selfsup/source', '--import', 'tsx', join(root, 'packages/cli/src/bin.ts'), '--help'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error \(NOT_SUPPORTED\): selfsup needs Node\.js >=20\.19 .* but this is Node\.js 18\.20\.8 /);
  });
});
