import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SslError } from '@selfsup/core';

/** The functions of the compiled addon (native/mpi_addon.cc). Collectives work in place. */
export interface MpiAddon {
  init(): { rank: number; size: number; library: string };
  info(): { rank: number; size: number; library: string };
  allReduce(buffer: Float32Array, mean: boolean): Promise<void>;
  broadcast(buffer: Float32Array | Int32Array | Uint8Array, root: number): Promise<void>;
  allGather(send: Float32Array, receive: Float32Array): Promise<void>;
  barrier(): Promise<void>;
  abort(code: number): void;
  finalize(): void;
}

/** What to install where Open MPI is missing. */
export const MPI_INSTALL_HINT = 'apt-get install libopenmpi-dev openmpi-bin';

/** This package's folder (`src/` and `dist/` sit one level below it). */
const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The addon built by the install script. */
export const MPI_ADDON_PATH = join(PACKAGE_ROOT, 'build', 'Release', 'selfsup_mpi.node');

let cached: { path: string; addon: MpiAddon } | undefined;

/** Why the install script built no addon, from build/install-status.json. */
function installOutcome(): string {
  const statusFile = join(PACKAGE_ROOT, 'build', 'install-status.json');
  if (!existsSync(statusFile)) return 'the install script of @selfsup/distributed did not run (npm --ignore-scripts?)';
  try {
    const status = JSON.parse(readFileSync(statusFile, 'utf8')) as { outcome?: string; detail?: string };
    return `the install script reported "${status.outcome}": ${status.detail}`;
  } catch {
    return `${statusFile} is unreadable`;
  }
}

/**
 * Loads the Open MPI addon once per process: `path`, else the file `SELFSUP_MPI_ADDON` names,
 * else the one the install script built.
 * @throws SslError `BACKEND_UNAVAILABLE` saying why (no MPI at install time, a failed build, a
 * libmpi that no longer loads) and what to install.
 */
export function loadMpiAddon(path: string = process.env.SELFSUP_MPI_ADDON ?? MPI_ADDON_PATH): MpiAddon {
  if (cached?.path === path) return cached.addon;
  if (!existsSync(path)) {
    throw new SslError(
      'BACKEND_UNAVAILABLE',
      `createMpiCommunicator: the Open MPI addon is not built (${path} is missing; ${installOutcome()}). ` +
        `Install Open MPI (${MPI_INSTALL_HINT}), then npm rebuild @selfsup/distributed.`,
      { details: { path } },
    );
  }
  try {
    cached = { path, addon: createRequire(import.meta.url)(path) as MpiAddon };
  } catch (error) {
    throw new SslError(
      'BACKEND_UNAVAILABLE',
      `createMpiCommunicator: ${path} does not load (${error instanceof Error ? error.message : String(error)}). ` +
        `Install Open MPI's runtime (${MPI_INSTALL_HINT}), then npm rebuild @selfsup/distributed.`,
      { cause: error, details: { path } },
    );
  }
  return cached.addon;
}
