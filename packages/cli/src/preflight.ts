import { createRequire } from 'node:module';

/** What {@link preflightProblem} checks: this Node.js and how packages resolve from the CLI. */
export interface PreflightEnvironment {
  /** The running Node.js version, as in `process.versions.node`. */
  readonly nodeVersion: string;
  /** The path a bare specifier resolves to from this package; throws when it is not installed. */
  resolve(specifier: string): string;
}

interface CliManifest {
  readonly engines?: { readonly node?: string };
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

const requireHere = createRequire(import.meta.url);
// the same relative path from src/ (source condition) and dist/ (the published package)
const manifest = requireHere('../package.json') as CliManifest;

function currentEnvironment(): PreflightEnvironment {
  return { nodeVersion: process.versions.node, resolve: (specifier) => requireHere.resolve(specifier) };
}

/** `[major, minor, patch]` of `20.19`, `18.20.8` or `v22.1.0-pre`; undefined when unreadable. */
function parseVersion(version: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  return match === null ? undefined : [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

function isOlder(actual: readonly number[], minimum: readonly number[]): boolean {
  for (let i = 0; i < 3; i += 1) {
    if (actual[i]! !== minimum[i]!) return actual[i]! < minimum[i]!;
  }
  return false;
}

function unsupportedNodeProblem(nodeVersion: string): string | undefined {
  const range = manifest.engines?.node ?? '';
  const minimum = /^>=\s*(.+)$/.exec(range)?.[1];
  const required = minimum === undefined ? undefined : parseVersion(minimum);
  const actual = parseVersion(nodeVersion);
  if (required === undefined || actual === undefined || !isOlder(actual, required)) return undefined;
  return (
    `error (NOT_SUPPORTED): selfsup needs Node.js ${range} (the "engines" field of @selfsup/cli), but this is Node.js ` +
    `${nodeVersion} (${process.execPath}). Install a newer Node.js (the current LTS from https://nodejs.org, or ` +
    '`nvm install --lts`) and run again.'
  );
}

function missingPeerProblem(resolve: (specifier: string) => string): string | undefined {
  for (const [name, range] of Object.entries(manifest.peerDependencies ?? {})) {
    try {
      resolve(name);
    } catch {
      return (
        `error: ${name} is not installed. @selfsup/cli and the selfsup packages it loads need it as a peer dependency ` +
        `(one copy per application, shared with your own code). Install it with: npm install ${name}@${range}`
      );
    }
  }
  return undefined;
}

/**
 * Why the CLI cannot run here, as the one message to print, or undefined when it can: a Node.js
 * older than the package's `engines.node`, or a peer dependency (`@tensorflow/tfjs-core`) that is
 * not installed. The `selfsup` executable checks this before it loads the rest of the CLI, whose
 * imports would otherwise fail with Node.js's own error (or, on an old Node.js, fail later and
 * less clearly).
 *
 * @param environment - The Node.js version and module resolution to check.
 * @defaultValue this process's
 */
export function preflightProblem(environment: PreflightEnvironment = currentEnvironment()): string | undefined {
  return unsupportedNodeProblem(environment.nodeVersion) ?? missingPeerProblem((specifier) => environment.resolve(specifier));
}
