import { SslError } from '@selfsup/core';

/**
 * The oldest Node.js that selfsup supports: the `engines.node` field (`>=20.19`) of every
 * `@selfsup` package. npm only warns (`EBADENGINE`) when it installs them on an older one.
 */
export const MINIMUM_NODE_VERSION = '20.19.0';

/** `[major, minor, patch]` of a version such as `18.20.8` or `v22.1.0-pre`, or undefined. */
function parseVersion(version: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  return match === null ? undefined : [Number(match[1]), Number(match[2]), Number(match[3])];
}

/**
 * Whether `version` (a `process.versions.node`) is {@link MINIMUM_NODE_VERSION} or newer. A
 * version it cannot read counts as supported (it refuses only what it knows to be too old).
 */
export function isSupportedNodeVersion(version: string): boolean {
  const actual = parseVersion(version);
  const minimum = parseVersion(MINIMUM_NODE_VERSION)!;
  if (actual === undefined) return true;
  for (let i = 0; i < 3; i += 1) {
    if (actual[i]! !== minimum[i]!) return actual[i]! > minimum[i]!;
  }
  return true;
}

/**
 * Refuses to run on a Node.js older than selfsup supports, with a message that names the version
 * found, the version needed and how to get it. Outside Node.js (a browser) it does nothing.
 * {@link useBackend} calls it first.
 *
 * @param version - The Node.js version to check.
 * @defaultValue `process.versions.node`
 * @throws SslError `NOT_SUPPORTED` when `version` is older than {@link MINIMUM_NODE_VERSION}.
 *
 * @example
 * ```ts
 * assertSupportedNode('18.20.8'); // throws: selfsup needs Node.js 20.19.0 or newer, but ...
 * ```
 */
export function assertSupportedNode(version: string | undefined = globalThis.process?.versions?.node): void {
  if (version === undefined || isSupportedNodeVersion(version)) return;
  throw new SslError(
    'NOT_SUPPORTED',
    `selfsup needs Node.js ${MINIMUM_NODE_VERSION} or newer (the "engines" field of its packages), but this process runs ` +
      `Node.js ${version}. Install a newer Node.js (the current LTS from https://nodejs.org, or \`nvm install --lts\`) and run again.`,
    { details: { nodeVersion: version, required: `>=${MINIMUM_NODE_VERSION}` } },
  );
}
