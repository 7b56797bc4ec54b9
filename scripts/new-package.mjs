#!/usr/bin/env node
// Scaffolds packages/<name> with the house layout: ESM, exports map with the @selfsup/source
// condition, strict tsconfig for typecheck and build, publint + attw checks.
// Usage: node scripts/new-package.mjs <name> "<description>" [dep ...]
import { copyFileSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [name, description = '', ...deps] = process.argv.slice(2);
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  console.error('usage: node scripts/new-package.mjs <name> "<description>" [internal-dep ...]');
  process.exit(2);
}
const dir = join('packages', name);
if (existsSync(dir)) {
  console.error(`${dir} exists already`);
  process.exit(2);
}
mkdirSync(join(dir, 'src'), { recursive: true });
const pkg = {
  name: `@selfsup/${name}`,
  version: '0.0.0',
  description,
  license: 'Apache-2.0',
  type: 'module',
  sideEffects: false,
  exports: {
    '.': {
      '@selfsup/source': './src/index.ts',
      types: './dist/index.d.ts',
      default: './dist/index.js',
    },
    './package.json': './package.json',
  },
  main: './dist/index.js',
  types: './dist/index.d.ts',
  files: ['dist', 'src', '!src/**/*.test.ts'],
  scripts: {
    build: 'tsc -p tsconfig.build.json',
    typecheck: 'tsc -p tsconfig.json',
    'check-packages': 'publint --strict && attw --pack . --profile esm-only',
  },
  dependencies: Object.fromEntries(deps.map((d) => [`@selfsup/${d}`, '0.0.0'])),
  peerDependencies: { '@tensorflow/tfjs-core': '^4.22.0' },
  repository: { type: 'git', url: 'git+https://github.com/selfsup/selfsup.git', directory: dir },
  engines: { node: '>=20.19' },
};
writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
writeFileSync(
  join(dir, 'tsconfig.json'),
  JSON.stringify({ extends: '../../tsconfig.base.json', compilerOptions: { noEmit: true }, include: ['src'] }, null, 2) + '\n',
);
writeFileSync(
  join(dir, 'tsconfig.build.json'),
  JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: { outDir: 'dist', rootDir: 'src', noEmit: false, customConditions: [] },
      include: ['src'],
      exclude: ['src/**/*.test.ts'],
    },
    null,
    2,
  ) + '\n',
);
writeFileSync(join(dir, 'README.md'), `# @selfsup/${name}\n\n${description}\n`);
// npm puts a package folder's LICENSE in its tarball; the copies match the root one (scripts/ci/packed-install.sh checks)
copyFileSync('LICENSE', join(dir, 'LICENSE'));
console.log(`created ${dir}`);
