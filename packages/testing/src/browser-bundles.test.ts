import { builtinModules } from 'node:module';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';

// Every entry a browser user imports bundles for the browser with no Node.js built-in in its import
// graph. esbuild bundles from the TypeScript source through the `@selfsup/source` condition, as the
// tests run: no build is needed, and the dist that tsc emits has the same imports file for file
// (scripts/ci/packed-install.sh checks the built tarballs). Node-only parts live in `/node` subpaths
// (`@selfsup/train/node`, `@selfsup/data/node`) or Node-only packages (backend-native, cli,
// distributed), which are not listed here.

const repositoryRoot = join(import.meta.dirname, '..', '..', '..');

/** The entries a browser user imports: every block, and the browser-safe roots of data and train. */
const BROWSER_ENTRIES = [
  '@selfsup/core',
  '@selfsup/backend',
  '@selfsup/backbones',
  '@selfsup/masking',
  '@selfsup/heads',
  '@selfsup/losses',
  '@selfsup/ema',
  '@selfsup/optim',
  '@selfsup/augment',
  '@selfsup/eval',
  '@selfsup/ibot',
  '@selfsup/data',
  '@selfsup/train',
  '@selfsup/train/checkpoint',
] as const;

/**
 * Entries that hold no configuration schema, so must not carry zod (its ~440 KB) to a browser. Schemas
 * live in `/config` subpaths (`@selfsup/backbones/config`); only `@selfsup/ibot`, the recipes and
 * their configs, carries zod.
 */
const ZOD_FREE_ENTRIES = new Set<string>([
  '@selfsup/core',
  '@selfsup/backend',
  '@selfsup/backbones',
  '@selfsup/masking',
  '@selfsup/heads',
  '@selfsup/losses',
  '@selfsup/ema',
  '@selfsup/optim',
  '@selfsup/augment',
  '@selfsup/eval',
  '@selfsup/data',
  '@selfsup/train',
]);

const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

interface BundleReport {
  readonly entry: string;
  readonly bytes: number;
  readonly hasZod: boolean;
  /** `builtin <- importer` for every Node.js built-in the graph imports. */
  readonly nodeImports: readonly string[];
}

/** `builtin <- importer` for each build error that is an unresolvable Node.js built-in, or undefined. */
function nodeImportsOf(error: unknown): string[] | undefined {
  const errors = (error as { errors?: esbuild.Message[] } | null)?.errors;
  if (errors === undefined) return undefined;
  const found: string[] = [];
  for (const message of errors) {
    const name = /^Could not resolve "([^"]+)"/.exec(message.text)?.[1];
    if (name === undefined || !NODE_BUILTINS.has(name)) return undefined;
    found.push(`${name} <- ${message.location?.file ?? '?'}`);
  }
  return found;
}

/**
 * Bundles everything `entry` exports for the browser. esbuild cannot resolve a Node.js built-in on
 * platform `browser` (except where a package's `browser` field replaces it, as tfjs-core and
 * seedrandom do), so each one left in the import graph is a build error, which this reports.
 */
async function bundleForBrowser(entry: string): Promise<BundleReport> {
  let result: esbuild.BuildResult<{ metafile: true; write: false }>;
  try {
    result = await esbuild.build({
      stdin: { contents: `export * from '${entry}';`, resolveDir: repositoryRoot, loader: 'ts' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      minify: true,
      conditions: ['@selfsup/source'],
      metafile: true,
      write: false,
      logLevel: 'silent',
    });
  } catch (error) {
    const nodeImports = nodeImportsOf(error);
    if (nodeImports === undefined) throw error;
    return { entry, bytes: Number.NaN, hasZod: false, nodeImports: [...new Set(nodeImports)] };
  }
  const inputs = Object.keys(result.metafile.inputs);
  const external = Object.values(result.metafile.inputs).flatMap((input) => input.imports.filter((i) => i.external && NODE_BUILTINS.has(i.path)).map((i) => i.path));
  const bytes = result.outputFiles.reduce((sum, file) => sum + file.contents.byteLength, 0);
  return { entry, bytes, hasZod: inputs.some((input) => input.includes('node_modules/zod/')), nodeImports: external };
}

describe('browser bundles', () => {
  it('bundles every browser entry with esbuild (platform browser) without a Node.js built-in, and reports sizes and zod', async () => {
    const reports: BundleReport[] = [];
    for (const entry of BROWSER_ENTRIES) reports.push(await bundleForBrowser(entry));
    console.table(reports.map(({ entry, bytes, hasZod }) => ({ entry, 'minified KB': Math.round(bytes / 1024), zod: hasZod })));
    const withNodeImports = reports.filter((report) => report.nodeImports.length > 0).map(({ entry, nodeImports }) => ({ entry, nodeImports }));
    expect(withNodeImports, 'these browser entries import Node.js built-ins: move the Node-only parts to a /node subpath').toEqual([]);
    const zodWhereNoneBelongs = reports.filter((report) => report.hasZod && ZOD_FREE_ENTRIES.has(report.entry)).map((report) => report.entry);
    expect(zodWhereNoneBelongs, 'these entries pull zod into a browser bundle').toEqual([]);
  });

  it('sees a Node.js built-in when an entry imports one (the Node-only subpaths do)', async () => {
    const report = await bundleForBrowser('@selfsup/train/node');
    expect(report.nodeImports).toContain('node:fs/promises <- packages/train/src/atomic-write.ts');
  });
});
