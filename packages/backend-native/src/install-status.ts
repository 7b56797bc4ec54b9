import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the install script did, as scripts/install.mjs records it in `build/install-status.json`. */
export interface InstallStatus {
  /**
   * `prebuilt`: the platform package's binary loaded, nothing was built; `built`: built from
   * source; `skipped`: `SELFSUP_NATIVE_SKIP_BUILD=1`; `failed`: the build ran and failed (see
   * `log`); `no-toolchain`: node-gyp, Node's headers or binding.gyp were missing.
   */
  readonly outcome: 'prebuilt' | 'built' | 'skipped' | 'failed' | 'no-toolchain';
  /** One line: what happened (for `failed` and `no-toolchain`, why). */
  readonly detail: string;
  /** Why each installed prebuilt was not used (it did not load, its version differs, `--force`). */
  readonly prebuiltNotUsed?: readonly string[];
  /** The file holding node-gyp's output (`build/install.log`), for `built` and `failed`. */
  readonly log?: string;
  /** `name@version` of the prebuilt the install found loading, for `prebuilt`. */
  readonly prebuilt?: string;
  /** The Node.js version that ran the install script. */
  readonly node?: string;
  /** When (ISO 8601). */
  readonly date?: string;
}

const OUTCOMES: readonly string[] = ['prebuilt', 'built', 'skipped', 'failed', 'no-toolchain'];

/** The status file's path in a package folder. */
export function installStatusPath(packageRoot: string): string {
  return join(packageRoot, 'build', 'install-status.json');
}

/**
 * Reads what the install script recorded in `packageRoot`; undefined when it never ran (npm ran
 * with `--ignore-scripts`, or its allowScripts policy left the script out) or its record is unreadable.
 */
export function readInstallStatus(packageRoot: string): InstallStatus | undefined {
  const path = installStatusPath(packageRoot);
  if (!existsSync(path)) return undefined;
  try {
    const status = JSON.parse(readFileSync(path, 'utf8')) as Partial<InstallStatus>;
    if (typeof status.outcome !== 'string' || !OUTCOMES.includes(status.outcome) || typeof status.detail !== 'string') return undefined;
    return status as InstallStatus;
  } catch {
    return undefined;
  }
}
