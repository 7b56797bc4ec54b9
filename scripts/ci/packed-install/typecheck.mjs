// Type-checks TypeScript (and JavaScript) files of the consumer project under the module
// resolutions users configure: node16 (Node.js ESM), and bundler with module esnext and preserve
// (Vite, esbuild, webpack). Declarations of the installed packages are checked too
// (skipLibCheck off), so a broken .d.ts in a tarball fails here. Like a default tsconfig, it
// includes every @types package installed (tfjs-core's declarations need @types/long).
//
//   node typecheck.mjs <file> ...        (in the consumer project; exits 1 on any error)
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The compiler settings of each resolution checked. */
export const RESOLUTIONS = {
  node16: { module: 'node16', moduleResolution: 'node16' },
  'bundler (module esnext)': { module: 'esnext', moduleResolution: 'bundler' },
  'bundler (module preserve)': { module: 'preserve', moduleResolution: 'bundler' },
};

/**
 * Runs tsc once per resolution over `files` (paths relative to the working directory).
 *
 * @returns `{ [resolution]: { [file]: string[] } }`: the error lines of each file with errors.
 */
export function typecheck(files) {
  const results = {};
  for (const [label, options] of Object.entries(RESOLUTIONS)) {
    const configFile = `tsconfig.${label.replace(/\W+/g, '-')}.json`;
    const config = {
      compilerOptions: {
        ...options,
        target: 'es2022',
        strict: true,
        noEmit: true,
        allowJs: true,
        checkJs: true,
        skipLibCheck: false,
      },
      files,
    };
    writeFileSync(configFile, JSON.stringify(config, null, 2) + '\n');
    let output = '';
    try {
      execFileSync(resolve('node_modules/.bin/tsc'), ['-p', configFile, '--pretty', 'false'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
      if (output.trim() === '') output = String(error.message);
    }
    const byFile = {};
    let current;
    for (const line of output.split('\n')) {
      const match = /^(.+?)\(\d+,\d+\): error TS\d+/.exec(line);
      if (match) {
        current = relative('.', resolve(match[1]));
        (byFile[current] ??= []).push(line);
      } else if (line.startsWith(' ') && current !== undefined) {
        byFile[current].push(line); // a continuation of the previous message
      } else if (line.trim() !== '') {
        (byFile['(tsc)'] ??= []).push(line);
        current = undefined;
      }
    }
    results[label] = byFile;
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const files = process.argv.slice(2);
  const results = typecheck(files);
  let failed = false;
  for (const [label, byFile] of Object.entries(results)) {
    const problems = Object.entries(byFile);
    console.log(`${problems.length === 0 ? 'ok  ' : 'FAIL'} tsc, moduleResolution ${label}: ${files.join(', ')}`);
    for (const [file, lines] of problems) {
      failed = true;
      console.log(`     ${file}:\n${lines.map((l) => `       ${l}`).join('\n')}`);
    }
  }
  process.exit(failed ? 1 : 0);
}
