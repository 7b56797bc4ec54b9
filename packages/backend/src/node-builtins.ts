import { SslError } from '@selfsup/core';

/** The Node.js built-in modules that @selfsup/backend loads, each only when it runs in Node.js. */
export interface NodeBuiltins {
  fs: typeof import('node:fs');
  module: typeof import('node:module');
  os: typeof import('node:os');
  worker_threads: typeof import('node:worker_threads');
}

/** Whether this code runs in Node.js (rather than a browser or a web worker). */
export function isNodeRuntime(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string';
}

/**
 * Imports the Node.js built-in `name` (`node:${name}`). The specifier is computed, so bundlers
 * (esbuild, Vite, webpack) leave it out of a browser bundle; callers reach it only in Node.js.
 *
 * @throws SslError `NOT_SUPPORTED` outside Node.js, naming the module.
 */
export async function importNodeBuiltin<K extends keyof NodeBuiltins>(name: K): Promise<NodeBuiltins[K]> {
  if (!isNodeRuntime()) {
    throw new SslError('NOT_SUPPORTED', `node:${name} is only available in Node.js, and this code runs in a browser or worker.`, {
      details: { module: `node:${name}` },
    });
  }
  const specifier = `node:${name}`;
  return (await import(/* @vite-ignore */ specifier)) as NodeBuiltins[K];
}
