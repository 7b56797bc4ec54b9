import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// What every publishable package's tarball carries besides its code, checked on the folders npm
// packs (scripts/ci/packed-install.sh checks the tarballs themselves): the repository's LICENSE,
// and no dependency on the @tensorflow/tfjs umbrella (~240 MB of layers, converter, webgl, core-js).

const repositoryRoot = join(import.meta.dirname, '..', '..', '..');
const packagesDir = join(repositoryRoot, 'packages');

interface Manifest {
  readonly name: string;
  readonly private?: boolean;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

function readManifest(folder: string): Manifest {
  return JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as Manifest;
}

/** Folders with a package.json: packages/* and the per-platform packages/*\/npm/*. */
function packageFolders(): string[] {
  const folders: string[] = [];
  for (const name of readdirSync(packagesDir)) {
    const folder = join(packagesDir, name);
    if (existsSync(join(folder, 'package.json'))) folders.push(folder);
    const platforms = join(folder, 'npm');
    if (existsSync(platforms)) {
      for (const platform of readdirSync(platforms)) {
        if (existsSync(join(platforms, platform, 'package.json'))) folders.push(join(platforms, platform));
      }
    }
  }
  return folders;
}

describe('package files', () => {
  const publishable = packageFolders().filter((folder) => readManifest(folder).private !== true);

  it('finds the publishable packages', () => {
    expect(publishable.length).toBeGreaterThanOrEqual(15);
  });

  it('gives every publishable package a copy of the repository LICENSE (npm puts it in the tarball)', () => {
    const license = readFileSync(join(repositoryRoot, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    for (const folder of publishable) {
      const path = join(folder, 'LICENSE');
      expect(existsSync(path), `${path} is missing: cp LICENSE ${path}`).toBe(true);
      expect(readFileSync(path, 'utf8') === license, `${path} differs from the root LICENSE: cp LICENSE ${path}`).toBe(true);
    }
  });

  it('keeps the @tensorflow/tfjs umbrella out of every package.json (root, examples, packages)', () => {
    const folders = [repositoryRoot, join(repositoryRoot, 'examples'), ...packageFolders()];
    for (const folder of folders) {
      const manifest = readManifest(folder);
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies'] as const) {
        expect(Object.keys(manifest[field] ?? {}), `${folder}/package.json ${field}`).not.toContain('@tensorflow/tfjs');
      }
    }
  });
});
